import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../lambdas/functions";
import { type ApiResponse, apiClient, newTenant, type TestTenant } from "../support/platform";
import { type Receiver, startReceiver } from "../support/receiver";

/** The management API (docs/api.md) over real HTTP: front door -> authorizer -> handlers -> DynamoDB Local. */
let receiver: Receiver;
let failing: Receiver;
let tenant: TestTenant;

beforeAll(async () => {
  receiver = await startReceiver();
  failing = await startReceiver(() => ({ status: 500 }));
  tenant = await newTenant();
});

afterAll(async () => {
  await receiver.close();
  await failing.close();
});

const path = () => `/hooks/${randomUUID()}`;
const body = (overrides: Record<string, unknown> = {}) => ({
  name: "CRM sync",
  url: receiver.url + path(),
  events: ["crm.lead.created"],
  verify: false,
  ...overrides,
});

function expectError(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, success: res.json?.success, code: res.json?.error?.code }).toEqual({
    status,
    success: false,
    code,
  });
  expect(res.json.error.message).toEqual(expect.any(String));
}

async function create(t: TestTenant, overrides: Record<string, unknown> = {}) {
  const res = await t.api("POST", "/v1/webhooks", { body: body(overrides) });
  expect(res.status, res.text).toBe(201);
  return res.json.data;
}

async function countEndpoints(t: TestTenant): Promise<number> {
  return (await t.api("GET", "/v1/webhooks?limit=100")).json.pagination.total;
}

describe("authentication", () => {
  it.each(
    apiRoutes.filter((r) => r.auth === "apiKey").map((r) => [r.method, r.path.replace("{id}", randomUUID())]),
  )("answers 401 in the error envelope to %s %s without a key", async (method, route) => {
    const res = await apiClient(undefined)(method, route, method === "GET" ? {} : { body: {} });
    expectError(res, 401, "unauthorized");
  });

  it("answers 401 to an unknown key and to a non-Bearer scheme", async () => {
    expectError(await apiClient("hk_not-a-real-key")("GET", "/v1/webhooks"), 401, "unauthorized");
    const basic = await apiClient(undefined)("GET", "/v1/webhooks", {
      headers: { authorization: `Basic ${tenant.key}` },
    });
    expectError(basic, 401, "unauthorized");
  });

  it("answers 404 in the envelope for a path that is not a route", async () => {
    expectError(await tenant.api("GET", "/v1/nothing-here"), 404, "not_found");
  });
});

describe("POST /v1/webhooks", () => {
  it("creates an endpoint with every field, a whsec_ secret shown once and a slug from the name", async () => {
    const t = await newTenant();
    const res = await t.api("POST", "/v1/webhooks", {
      body: body({
        name: "Integração RD Station",
        description: "Leads to RD",
        headers: { "X-Api-Token": "abc" },
        field_mapping: { email: "lead.email" },
        target_pipeline_id: "pipe-1",
      }),
    });

    expect(res.status).toBe(201);
    const d = res.json.data;
    expect(d).toMatchObject({
      name: "Integração RD Station",
      slug: "integracao-rd-station",
      events: ["crm.lead.created"],
      description: "Leads to RD",
      is_active: true,
      headers: { "X-Api-Token": "abc" },
      field_mapping: { email: "lead.email" },
      target_pipeline_id: "pipe-1",
      target_column_id: null,
      disabled_reason: null,
      disabled_at: null,
    });
    expect(d.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(d.secret_token.slice("whsec_".length), "base64")).toHaveLength(32);
    expect(d.created_at).toBe(d.updated_at);
    const again = await t.api("GET", `/v1/webhooks/${d.id}`);
    expect(again.json.data).not.toHaveProperty("secret_token");
    expect(again.text).not.toContain(d.secret_token.slice(6));
  });

  it("POSTs a signed webhook.verification event with the custom headers before answering", async () => {
    const url = receiver.url + path();
    const res = await tenant.api("POST", "/v1/webhooks", {
      body: { name: "Verified", url, events: ["contact.created"], headers: { "X-Tenant-Ref": "r1" } },
    });

    expect(res.status, res.text).toBe(201);
    const [verification] = receiver.requests.filter((r) => receiver.url + r.path === url);
    expect(verification?.json).toMatchObject({
      type: "webhook.verification",
      data: { webhook_id: res.json.data.id },
    });
    expect(verification?.headers["x-tenant-ref"]).toBe("r1");
    const wh = new Webhook(res.json.data.secret_token);
    expect(() =>
      wh.verify(verification?.raw ?? "", verification?.headers as Record<string, string>),
    ).not.toThrow();
  });

  it("refuses with 422 and stores nothing when the verification POST fails", async () => {
    const t = await newTenant();
    const res = await t.api("POST", "/v1/webhooks", {
      body: { ...body(), url: failing.url + path(), verify: true },
    });

    expectError(res, 422, "endpoint_verification_failed");
    expect(res.json.error.message).toContain("500");
    expect(await countEndpoints(t)).toBe(0);
  });

  it("refuses with 422 when the URL refuses connections", async () => {
    const closed = await startReceiver();
    await closed.close();
    const res = await tenant.api("POST", "/v1/webhooks", {
      body: { ...body(), url: closed.url, verify: true },
    });
    expectError(res, 422, "endpoint_verification_failed");
    expect(res.json.error.message).toContain("connection refused");
  });

  it("refuses with 422 when the endpoint does not answer within 3 s", async () => {
    const hanging = await startReceiver(() => ({ delayMs: 5000 }));
    const started = Date.now();
    const res = await tenant.api("POST", "/v1/webhooks", {
      body: { ...body(), url: hanging.url, verify: true },
    });
    await hanging.close();
    expectError(res, 422, "endpoint_verification_failed");
    expect(Date.now() - started).toBeLessThan(4500);
  });

  it('skips the verification POST with "verify": false', async () => {
    const url = receiver.url + path();
    await create(tenant, { url });
    expect(receiver.requests.filter((r) => receiver.url + r.path === url)).toHaveLength(0);
  });

  it("refuses the same url for an overlapping event type with 409, allows it for a disjoint one", async () => {
    const url = receiver.url + path();
    await create(tenant, { url, events: ["crm.lead.created"] });

    expectError(
      await tenant.api("POST", "/v1/webhooks", { body: body({ url, events: ["crm.*"] }) }),
      409,
      "conflict",
    );
    expectError(
      await tenant.api("POST", "/v1/webhooks", { body: body({ url, events: ["*"] }) }),
      409,
      "conflict",
    );
    const disjoint = await tenant.api("POST", "/v1/webhooks", {
      body: body({ url, events: ["contact.created"] }),
    });
    expect(disjoint.status).toBe(201);
  });

  it("lets another tenant register the same url and event", async () => {
    const url = receiver.url + path();
    await create(tenant, { url });
    const other = await newTenant();
    expect((await other.api("POST", "/v1/webhooks", { body: body({ url }) })).status).toBe(201);
  });

  it("numbers generated slugs and refuses a chosen slug that is taken", async () => {
    const t = await newTenant();
    const first = await create(t, { name: "Billing Hook" });
    const second = await create(t, { name: "Billing Hook" });
    expect([first.slug, second.slug]).toEqual(["billing-hook", "billing-hook-2"]);
    expectError(
      await t.api("POST", "/v1/webhooks", { body: body({ slug: "billing-hook" }) }),
      409,
      "conflict",
    );
  });

  it("records an endpoint created inactive as disabled manually", async () => {
    const d = await create(tenant, { is_active: false });
    expect(d).toMatchObject({ is_active: false, disabled_reason: "manual" });
    expect(d.disabled_at).toEqual(expect.any(String));
  });

  it("allows 50 endpoints per tenant and answers 422 to the 51st", async () => {
    const t = await newTenant();
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => create(t)));
    }
    expectError(await t.api("POST", "/v1/webhooks", { body: body() }), 422, "limit_exceeded");
    expect(await countEndpoints(t)).toBe(50);
  });
});

describe("bad input to POST /v1/webhooks", () => {
  // Built when the table is collected, before any receiver exists; these requests never reach one.
  const valid = () => ({
    name: "CRM sync",
    url: "http://127.0.0.1:9/never",
    events: ["crm.lead.created"],
    verify: false,
  });
  const cases: [
    string,
    { raw?: string; body?: unknown; headers?: Record<string, string> },
    number,
    string,
  ][] = [
    ["malformed JSON", { raw: '{"name": "x", "url": ' }, 400, "validation_error"],
    ["an empty body", { raw: "" }, 400, "validation_error"],
    ["a JSON array", { body: [valid()] }, 400, "validation_error"],
    ["a JSON string", { raw: '"hello"' }, 400, "validation_error"],
    ["a missing name", { body: { url: valid().url, events: ["crm.lead.created"] } }, 400, "validation_error"],
    ["a missing url", { body: { name: "x", events: ["crm.lead.created"] } }, 400, "validation_error"],
    ["a number for name", { body: { ...valid(), name: 5 } }, 400, "validation_error"],
    ["a string for events", { body: { ...valid(), events: "crm.lead.created" } }, 400, "validation_error"],
    ["a string for is_active", { body: { ...valid(), is_active: "yes" } }, 400, "validation_error"],
    ["empty events", { body: { ...valid(), events: [] } }, 400, "validation_error"],
    [
      "an unknown event type",
      { body: { ...valid(), events: ["crm.lead.exploded"] } },
      400,
      "validation_error",
    ],
    ["a name over 100", { body: { ...valid(), name: "n".repeat(101) } }, 400, "validation_error"],
    [
      "a description over 500",
      { body: { ...valid(), description: "d".repeat(501) } },
      400,
      "validation_error",
    ],
    ["a url that is not a URL", { body: { ...valid(), url: "not a url" } }, 400, "validation_error"],
    [
      "a url with credentials",
      { body: { ...valid(), url: "http://u:p@127.0.0.1/x" } },
      400,
      "validation_error",
    ],
    [
      "a reserved header",
      { body: { ...valid(), headers: { "Content-Type": "text/plain" } } },
      400,
      "validation_error",
    ],
    ["a webhook-* header", { body: { ...valid(), headers: { "webhook-id": "x" } } }, 400, "validation_error"],
    [
      "a CRLF in a header value",
      { body: { ...valid(), headers: { "X-A": "a\r\nX-B: b" } } },
      400,
      "validation_error",
    ],
    [
      "a header name with a space",
      { body: { ...valid(), headers: { "X A": "a" } } },
      400,
      "validation_error",
    ],
    [
      "a non-string field_mapping value",
      { body: { ...valid(), field_mapping: { a: 1 } } },
      400,
      "validation_error",
    ],
    ["an unknown field", { body: { ...valid(), colour: "blue" } }, 400, "validation_error"],
    ["a bad slug", { body: { ...valid(), slug: "Not A Slug" } }, 400, "validation_error"],
    [
      "a body over 64 KB",
      { body: { ...valid(), description: "d".repeat(70_000) } },
      413,
      "payload_too_large",
    ],
    [
      "a non-JSON content type",
      { raw: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } },
      415,
      "unsupported_media_type",
    ],
  ];

  it.each(cases)("answers %s with a clear error and stores nothing", async (_name, options, status, code) => {
    const t = await newTenant();
    const res = await t.api("POST", "/v1/webhooks", options);
    expectError(res, status, code);
    expect(await countEndpoints(t)).toBe(0);
  });

  it("names the offending fields in details", async () => {
    const res = await tenant.api("POST", "/v1/webhooks", { body: { ...valid(), name: "", colour: "blue" } });
    expect(res.json.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "name" }),
        expect.objectContaining({ message: expect.stringContaining("colour") }),
      ]),
    );
  });
});

describe("GET /v1/webhooks and /v1/webhooks/{id}", () => {
  let t: TestTenant;
  let created: { id: string; is_active: boolean }[];

  beforeAll(async () => {
    t = await newTenant();
    created = [];
    for (let i = 0; i < 5; i++) created.push(await create(t, { name: `Hook ${i}`, is_active: i !== 2 }));
  });

  it("pages newest first with the pagination block", async () => {
    const page1 = await t.api("GET", "/v1/webhooks?page=1&limit=2");
    const page3 = await t.api("GET", "/v1/webhooks?page=3&limit=2");

    expect(page1.json.pagination).toEqual({ page: 1, limit: 2, total: 5, pages: 3 });
    expect(page1.json.data.map((e: { id: string }) => e.id)).toEqual([created[4]?.id, created[3]?.id]);
    expect(page3.json.data.map((e: { id: string }) => e.id)).toEqual([created[0]?.id]);
    expect(page1.json.data[0]).not.toHaveProperty("secret_token");
  });

  it("answers an empty page past the end", async () => {
    const res = await t.api("GET", "/v1/webhooks?page=9&limit=2");
    expect(res.json).toMatchObject({ success: true, data: [], pagination: { page: 9, total: 5, pages: 3 } });
  });

  it("filters by active", async () => {
    const inactive = await t.api("GET", "/v1/webhooks?active=false");
    const active = await t.api("GET", "/v1/webhooks?active=true");
    expect(inactive.json.data.map((e: { id: string }) => e.id)).toEqual([created[2]?.id]);
    expect(active.json.pagination.total).toBe(4);
  });

  it.each([["limit=101"], ["limit=0"], ["page=0"], ["limit=abc"], ["active=yes"], ["colour=blue"]])(
    "answers 400 to the query %s",
    async (query) => {
      expectError(await t.api("GET", `/v1/webhooks?${query}`), 400, "validation_error");
    },
  );

  it("gets one endpoint without its secret", async () => {
    const res = await t.api("GET", `/v1/webhooks/${created[0]?.id}`);
    expect(res.json.data).toMatchObject({ id: created[0]?.id, name: "Hook 0" });
    expect(res.json.data).not.toHaveProperty("secret_token");
  });

  it("answers 404 for an unknown id, a malformed id and another tenant's id", async () => {
    const other = await newTenant();
    expectError(await t.api("GET", `/v1/webhooks/${randomUUID()}`), 404, "not_found");
    expectError(await t.api("GET", "/v1/webhooks/not-a-uuid"), 404, "not_found");
    expectError(await other.api("GET", `/v1/webhooks/${created[0]?.id}`), 404, "not_found");
    expect((await other.api("GET", "/v1/webhooks")).json.pagination.total).toBe(0);
  });
});

describe("PUT /v1/webhooks/{id}", () => {
  it("changes only the fields given and moves updated_at", async () => {
    const before = await create(tenant, { description: "old" });
    const res = await tenant.api("PUT", `/v1/webhooks/${before.id}`, { body: { description: "new" } });

    expect(res.status).toBe(200);
    const { description, updated_at, ...rest } = res.json.data;
    const { description: _d, updated_at: oldUpdatedAt, secret_token: _s, ...unchanged } = before;
    expect(description).toBe("new");
    expect(rest).toEqual(unchanged);
    expect(Date.parse(updated_at)).toBeGreaterThan(Date.parse(oldUpdatedAt));
  });

  it("disables manually and re-enables, clearing the reason", async () => {
    const d = await create(tenant);
    const off = await tenant.api("PUT", `/v1/webhooks/${d.id}`, { body: { is_active: false } });
    expect(off.json.data).toMatchObject({ is_active: false, disabled_reason: "manual" });

    const on = await tenant.api("PUT", `/v1/webhooks/${d.id}`, { body: { is_active: true } });
    expect(on.json.data).toMatchObject({ is_active: true, disabled_reason: null, disabled_at: null });
  });

  it("verifies a new url and keeps the old one when verification fails", async () => {
    const d = await create(tenant);
    const res = await tenant.api("PUT", `/v1/webhooks/${d.id}`, { body: { url: failing.url + path() } });
    expectError(res, 422, "endpoint_verification_failed");
    expect((await tenant.api("GET", `/v1/webhooks/${d.id}`)).json.data.url).toBe(d.url);
  });

  it("refuses events that overlap another endpoint on the same url with 409", async () => {
    const url = receiver.url + path();
    await create(tenant, { url, events: ["crm.lead.created"] });
    const other = await create(tenant, { url, events: ["contact.created"] });
    const res = await tenant.api("PUT", `/v1/webhooks/${other.id}`, { body: { events: ["crm.*"] } });
    expectError(res, 409, "conflict");
  });

  it("moves the url registration: the old url is free again after a change", async () => {
    const oldUrl = receiver.url + path();
    const d = await create(tenant, { url: oldUrl });
    await tenant.api("PUT", `/v1/webhooks/${d.id}`, { body: { url: receiver.url + path(), verify: false } });
    expect((await tenant.api("POST", "/v1/webhooks", { body: body({ url: oldUrl }) })).status).toBe(201);
  });

  it("refuses a slug another endpoint has with 409", async () => {
    const t = await newTenant();
    await create(t, { slug: "taken" });
    const d = await create(t, { slug: "mine" });
    expectError(await t.api("PUT", `/v1/webhooks/${d.id}`, { body: { slug: "taken" } }), 409, "conflict");
  });

  it.each([
    ["an empty object", {}],
    ["an unknown field", { colour: "blue" }],
    ["only verify", { verify: false }],
    ["a wrong type", { is_active: "no" }],
  ])("answers 400 to %s and changes nothing", async (_name, update) => {
    const d = await create(tenant);
    expectError(await tenant.api("PUT", `/v1/webhooks/${d.id}`, { body: update }), 400, "validation_error");
    expect((await tenant.api("GET", `/v1/webhooks/${d.id}`)).json.data.updated_at).toBe(d.updated_at);
  });

  it("answers 404 for another tenant's endpoint and leaves it alone", async () => {
    const d = await create(tenant, { description: "mine" });
    const other = await newTenant();
    expectError(
      await other.api("PUT", `/v1/webhooks/${d.id}`, { body: { description: "theirs" } }),
      404,
      "not_found",
    );
    expect((await tenant.api("GET", `/v1/webhooks/${d.id}`)).json.data.description).toBe("mine");
  });
});

describe("http_method and filter", () => {
  const conversions = { conversion_identifier: ["form-contato", "form-orcamento"] };

  it("defaults to POST and no filter, shown right after the url on create, get and list", async () => {
    const t = await newTenant();
    const created = await create(t);

    const one = (await t.api("GET", `/v1/webhooks/${created.id}`)).json.data;
    const [listed] = (await t.api("GET", "/v1/webhooks")).json.data;

    for (const view of [created, one, listed]) {
      expect(view).toMatchObject({ http_method: "POST", filter: null });
      const fields = Object.keys(view);
      expect(fields.indexOf("http_method")).toBe(fields.indexOf("url") + 1);
    }
  });

  it("creates an endpoint sent with PUT that keeps a filter, and reads both back", async () => {
    const created = await create(tenant, { http_method: "PUT", filter: conversions });

    const res = await tenant.api("GET", `/v1/webhooks/${created.id}`);

    expect(created).toMatchObject({ http_method: "PUT", filter: conversions });
    expect(res.json.data).toMatchObject({ http_method: "PUT", filter: conversions });
  });

  it("updates the method and the filter, and removes the filter with null", async () => {
    const d = await create(tenant, { filter: conversions });

    const changed = await tenant.api("PUT", `/v1/webhooks/${d.id}`, {
      body: { http_method: "PATCH", filter: { tags: ["b"], "contact.score": [10, null] } },
    });
    const removed = await tenant.api("PUT", `/v1/webhooks/${d.id}`, { body: { filter: null } });

    expect(changed.json.data).toMatchObject({
      http_method: "PATCH",
      filter: { tags: ["b"], "contact.score": [10, null] },
    });
    expect(removed.json.data).toMatchObject({ http_method: "PATCH", filter: null });
    expect((await tenant.api("GET", `/v1/webhooks/${d.id}`)).json.data).toMatchObject({
      http_method: "PATCH",
      filter: null,
    });
  });

  it.each([
    ["http_method GET", { http_method: "GET" }, ["http_method"]],
    ["a path that is not a dot path", { filter: { "lead email": ["a"] } }, ["filter.lead email"]],
    ["a path with no values", { filter: { tags: [] } }, ["filter.tags"]],
    ["an object as a value", { filter: { tags: [{ a: 1 }] } }, ["filter.tags.0"]],
    ["51 values", { filter: { tags: Array.from({ length: 51 }, (_, i) => i) } }, ["filter.tags"]],
    [
      "11 paths",
      { filter: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, [i]])) },
      ["filter"],
    ],
  ])(
    "answers 400 with details to %s, on create and on update, and stores nothing",
    async (_, fields, named) => {
      const t = await newTenant();
      const d = await create(t);

      const created = await t.api("POST", "/v1/webhooks", { body: body(fields) });
      const updated = await t.api("PUT", `/v1/webhooks/${d.id}`, { body: fields });

      for (const res of [created, updated]) {
        expectError(res, 400, "validation_error");
        expect(res.json.error.details.map((x: { field: string }) => x.field)).toEqual(named);
      }
      expect(await countEndpoints(t)).toBe(1);
      expect((await t.api("GET", `/v1/webhooks/${d.id}`)).json.data).toEqual(
        (({ secret_token: _s, ...view }) => view)(d),
      );
    },
  );

  it.each(["PUT", "PATCH"])("sends the verification request with %s, signed", async (method) => {
    const url = receiver.url + path();

    const res = await tenant.api("POST", "/v1/webhooks", {
      body: { name: "RD conversions", url, events: ["crm.lead.created"], http_method: method },
    });

    expect(res.status, res.text).toBe(201);
    const [verification] = receiver.requests.filter((r) => receiver.url + r.path === url);
    expect(verification?.method).toBe(method);
    expect(verification?.json).toMatchObject({ type: "webhook.verification" });
    expect(() =>
      new Webhook(res.json.data.secret_token).verify(
        verification?.raw ?? "",
        verification?.headers as Record<string, string>,
      ),
    ).not.toThrow();
  });

  it("verifies a new url with the method the same update sets", async () => {
    const d = await create(tenant);
    const url = receiver.url + path();

    const res = await tenant.api("PUT", `/v1/webhooks/${d.id}`, { body: { url, http_method: "PATCH" } });

    expect(res.status, res.text).toBe(200);
    expect(receiver.requests.filter((r) => receiver.url + r.path === url).map((r) => r.method)).toEqual([
      "PATCH",
    ]);
  });
});

describe("DELETE /v1/webhooks/{id}", () => {
  it("deletes, then answers 404, and frees the slug, the url and the tenant's slot", async () => {
    const t = await newTenant();
    const url = receiver.url + path();
    const d = await create(t, { url, slug: "to-delete" });

    const res = await t.api("DELETE", `/v1/webhooks/${d.id}`);

    expect(res.json).toEqual({ success: true, data: { id: d.id, deleted: true } });
    expectError(await t.api("GET", `/v1/webhooks/${d.id}`), 404, "not_found");
    expectError(await t.api("DELETE", `/v1/webhooks/${d.id}`), 404, "not_found");
    expect(await countEndpoints(t)).toBe(0);
    expect((await t.api("POST", "/v1/webhooks", { body: body({ url, slug: "to-delete" }) })).status).toBe(
      201,
    );
  });

  it("answers 404 to another tenant", async () => {
    const d = await create(tenant);
    expectError(await (await newTenant()).api("DELETE", `/v1/webhooks/${d.id}`), 404, "not_found");
    expect((await tenant.api("GET", `/v1/webhooks/${d.id}`)).status).toBe(200);
  });
});

describe("GET /v1/webhooks/events", () => {
  it("lists the operator's catalog as {type, description, schema?, example?, deprecated}", async () => {
    const res = await tenant.api("GET", "/v1/webhooks/events");
    expect(res.json.data).toContainEqual({
      type: "crm.lead.created",
      description: expect.any(String),
      example: expect.any(Object),
      deprecated: false,
    });
    for (const entry of res.json.data) {
      expect(["deprecated", "description", "example", "schema", "type"]).toEqual(
        expect.arrayContaining(Object.keys(entry)),
      );
    }
  });
});
