import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hooklineAdminClient } from "../../client/admin";
import { errorMessage, hooklineClient } from "../../client/api";
import { assertMatchesDocument } from "../support/openapi-contract";
import { newTenant, platform } from "../support/platform";

/** The typed clients (client/api.ts, client/admin.ts) against the local run, as a user's code calls them. */
const admin = () =>
  hooklineAdminClient({
    baseUrl: platform().ApiUrl,
    region: platform().Region,
    credentials: {
      accessKeyId: platform().LocalAccessKeyId,
      secretAccessKey: platform().LocalSecretAccessKey,
    },
  });

describe("the typed tenant client", () => {
  it("creates an endpoint, reads it back and lists it, with typed parameters and answers", async () => {
    // Prepare
    const tenant = await newTenant("client");
    const api = hooklineClient({ baseUrl: platform().ApiUrl, token: tenant.key });

    // Act
    const created = await api.POST("/v1/webhooks", {
      body: {
        name: "Integração RD Station",
        url: "https://hooks.example.com/in",
        events: ["*"],
        verify: false,
      },
    });
    const id = created.data?.data.id ?? "";
    const one = await api.GET("/v1/webhooks/{id}", { params: { path: { id } } });
    const page = await api.GET("/v1/webhooks", { params: { query: { active: "true", limit: 5 } } });

    // Assess
    expect(created.response.status).toBe(201);
    expect(created.data?.data.secret_token).toMatch(/^whsec_/);
    expect(one.data?.data).toMatchObject({ id, slug: "integracao-rd-station", health: { state: "healthy" } });
    expect(page.data?.data.map((e) => e.id)).toEqual([id]);
    expect(page.data?.pagination).toEqual({ page: 1, limit: 5, total: 1, pages: 1 });
    assertMatchesDocument("GET", "/v1/webhooks", page.response.status, page.data);
  });

  it("answers the API's refusal as a typed error, and errorMessage gives its words", async () => {
    // Prepare
    const tenant = await newTenant("client");
    const api = hooklineClient({ baseUrl: platform().ApiUrl, token: tenant.key });

    // Act
    const { data, error, response } = await api.POST("/v1/webhooks", {
      body: { name: " ", url: "https://hooks.example.com/in", events: ["*"], verify: false },
    });

    // Assess
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ success: false, error: { code: "validation_error" } });
    expect(errorMessage(error, response)).toBe("invalid webhook: name: name must not be empty");
  });

  it("is refused with 401 without a valid key", async () => {
    // Prepare
    const api = hooklineClient({ baseUrl: platform().ApiUrl, token: "hk_not-a-key" });

    // Act
    const { error, response } = await api.GET("/v1/webhooks");

    // Assess
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ success: false, error: { code: "unauthorized" } });
  });
});

describe("the typed operators' client", () => {
  it("signs its requests: it issues an API key and a portal session the tenant client then uses", async () => {
    // Prepare
    const tenantId = `client-${randomBytes(4).toString("hex")}`;

    // Act
    const key = await admin().POST("/admin/v1/tenants/{tenant_id}/api-keys", {
      params: { path: { tenant_id: tenantId } },
      body: { name: "RD Station sync" },
    });
    const session = await admin().POST("/admin/v1/tenants/{tenant_id}/portal-sessions", {
      params: { path: { tenant_id: tenantId } },
    });
    const token = new URL(session.data?.data.url ?? "http://x").hash.replace(/^#session=/, "");
    const withKey = await hooklineClient({ baseUrl: platform().ApiUrl, token: key.data?.data.key }).GET(
      "/v1/webhooks",
    );
    const withSession = await hooklineClient({ baseUrl: platform().ApiUrl, token }).GET("/v1/webhooks");

    // Assess
    expect(key.response.status).toBe(201);
    expect(session.response.status).toBe(201);
    expect(withKey.response.status).toBe(200);
    expect(withSession.response.status).toBe(200);
  });

  it("is refused when its signature is made with other credentials", async () => {
    // Prepare
    const impostor = hooklineAdminClient({
      baseUrl: platform().ApiUrl,
      region: platform().Region,
      credentials: { accessKeyId: "AKIAIMPOSTOR", secretAccessKey: "not-the-secret" },
    });

    // Act
    const { response } = await impostor.GET("/admin/v1/event-types");

    // Assess
    expect(response.status).toBe(403);
  });
});
