import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { routeKey } from "../../lambdas/functions";
import { clientTypes, documentText } from "../../openapi/artifacts";
import { buildOpenApiDocument, documentedRoutes } from "../../openapi/document";
import { operations } from "../../openapi/operations";
import { contractViolation, openApiDocument } from "../support/openapi-contract";
import { newTenant, platform } from "../support/platform";

const committed = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), "utf8");

describe("the OpenAPI document", () => {
  it("is committed as the code builds it (run `npm run openapi` after changing a route or schema)", async () => {
    // Act
    const built = documentText(buildOpenApiDocument());

    // Assess
    expect(await committed("docs/openapi.json")).toBe(built);
  });

  it("has the typed client's types generated from the committed document", async () => {
    // Act
    const types = await clientTypes(JSON.parse(await committed("docs/openapi.json")));

    // Assess
    expect(await committed("client/api-types.ts")).toBe(types);
  });

  it("describes every route of the API with its path parameters, and nothing else", () => {
    // Prepare
    const documented = documentedRoutes();

    // Act
    const inDocument = Object.entries(openApiDocument.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );

    // Assess
    expect(inDocument.sort()).toEqual(documented.map(routeKey).sort());
    for (const route of documented.filter((r) => operations[routeKey(r)])) {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(Object.keys(operations[routeKey(route)]?.path ?? {}), routeKey(route)).toEqual(names);
    }
  });

  it("gives every operation a unique operationId", () => {
    // Act
    const ids = Object.values(operations).map((operation) => operation.operationId);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is served at GET /v1/openapi.json without a key", async () => {
    // Act
    const res = await fetch(`${platform().ApiUrl}/v1/openapi.json`);

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(JSON.parse(await committed("docs/openapi.json")));
  });
});

describe("the contract check every API test's answers go through", () => {
  it("accepts a real answer of the API", async () => {
    // Prepare
    const tenant = await newTenant();

    // Act
    const res = await tenant.api("GET", "/v1/webhooks");

    // Assess
    expect(contractViolation("GET", "/v1/webhooks", res.status, res.json)).toBeUndefined();
  });

  it("refuses an answer missing a field the document promises", async () => {
    // Prepare
    const tenant = await newTenant();
    const res = await tenant.api("GET", "/v1/webhooks");
    const { pagination: _dropped, ...withoutPagination } = res.json;

    // Act
    const violation = contractViolation("GET", "/v1/webhooks", 200, withoutPagination);

    // Assess
    expect(violation).toMatch(/GET \/v1\/webhooks answered 200 with a body unlike .*EndpointListResponse/);
    expect(violation).toMatch(/pagination/);
  });

  it("refuses a status the document does not list for the route", () => {
    // Act
    const violation = contractViolation("GET", "/v1/webhooks/events", 404, {
      success: false,
      error: { code: "not_found", message: "x" },
    });

    // Assess
    expect(violation).toBe("GET /v1/webhooks/events answered 404, a status docs/openapi.json does not list");
  });

  it("refuses an error envelope with a code the API never answers", () => {
    // Act
    const violation = contractViolation("GET", "/v1/webhooks", 400, {
      success: false,
      error: { code: "bad_request", message: "x" },
    });

    // Assess
    expect(violation).toMatch(/ErrorEnvelope/);
  });

  it("matches a literal segment before a parameter, as API Gateway does", () => {
    // Act
    const violation = contractViolation("GET", "/v1/webhooks/events", 200, {
      success: true,
      data: [{ type: "webhook.test", description: "A test", deprecated: false }],
    });

    // Assess
    expect(violation).toBeUndefined();
  });
});
