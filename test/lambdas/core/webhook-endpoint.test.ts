import { describe, expect, it } from "vitest";
import type { z } from "zod/mini";
import { type ErrorDetail, ValidationError } from "../../../lambdas/core/errors";
import { parseInput } from "../../../lambdas/core/validation";
import {
  createWebhookSchema,
  listWebhooksQuerySchema,
  signingSecrets,
  updateWebhookSchema,
  type WebhookEndpoint,
} from "../../../lambdas/core/webhook-endpoint";

const validCreate = {
  name: "RD Station leads",
  url: "https://receiver.example.com/hooks",
  events: ["crm.lead.created"],
};

/** The ValidationError details parseInput throws for a value the schema refuses. */
function rejection(schema: z.ZodMiniType, value: unknown): readonly ErrorDetail[] {
  try {
    parseInput(schema, value, "webhook");
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details ?? [];
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

function createRejection(overrides: Record<string, unknown>): readonly ErrorDetail[] {
  return rejection(createWebhookSchema, { ...validCreate, ...overrides });
}

describe("createWebhookSchema", () => {
  it("accepts the required fields alone", () => {
    // Act
    const input = parseInput(createWebhookSchema, validCreate, "webhook");

    // Assess
    expect(input).toEqual(validCreate);
  });

  it("accepts every writable field", () => {
    // Prepare
    const body = {
      ...validCreate,
      slug: "rd-leads",
      http_method: "PUT",
      description: "Leads for RD",
      is_active: false,
      headers: { Authorization: "Bearer abc", "X-Tenant": "acme\tprod" },
      field_mapping: { lead_email: "lead.email", first_item: "items.0.id" },
      filter: { conversion_identifier: ["form-contato"], "lead.score": [10, null] },
      target_pipeline_id: "pipe-1",
      target_column_id: null,
      verify: false,
    };

    // Act
    const input = parseInput(createWebhookSchema, body, "webhook");

    // Assess
    expect(input).toEqual(body);
  });

  it.each(["name", "url", "events"])("requires %s", (field) => {
    // Prepare
    const body: Record<string, unknown> = { ...validCreate };
    delete body[field];

    // Act
    const details = rejection(createWebhookSchema, body);

    // Assess
    expect(details.map((d) => d.field)).toEqual([field]);
  });

  it("rejects unknown top-level fields with a message naming them", () => {
    // Act
    const details = createRejection({ secret_token: "whsec_x", colour: "red" });

    // Assess
    expect(details).toHaveLength(1);
    expect(details[0]?.message).toContain("secret_token");
    expect(details[0]?.message).toContain("colour");
  });

  it("puts every bad field in the error message as well as in details", () => {
    // Act
    const act = () => parseInput(createWebhookSchema, { ...validCreate, name: "", url: "nope" }, "webhook");

    // Assess
    expect(act).toThrow(/invalid webhook: .*name: .*url: /);
  });

  describe("name", () => {
    it("accepts 100 characters and trims surrounding spaces", () => {
      // Act
      const input = parseInput(
        createWebhookSchema,
        { ...validCreate, name: ` ${"n".repeat(100)} ` },
        "webhook",
      );

      // Assess
      expect(input.name).toBe("n".repeat(100));
    });

    it.each([
      ["101 characters", "n".repeat(101), /at most 100/],
      ["an empty name", "", /must not be empty/],
      ["a whitespace-only name", "   \t ", /must not be empty/],
    ])("rejects %s", (_, name, message) => {
      // Act
      const details = createRejection({ name });

      // Assess
      expect(details).toEqual([{ field: "name", message: expect.stringMatching(message) }]);
    });
  });

  describe("description", () => {
    it.each([null, "", "d".repeat(500)])("accepts %j", (description) => {
      // Act
      const input = parseInput(createWebhookSchema, { ...validCreate, description }, "webhook");

      // Assess
      expect(input.description).toBe(description);
    });

    it("rejects 501 characters", () => {
      // Act
      const details = createRejection({ description: "d".repeat(501) });

      // Assess
      expect(details).toEqual([{ field: "description", message: expect.stringMatching(/at most 500/) }]);
    });
  });

  describe("events", () => {
    it("rejects an empty list", () => {
      // Act
      const details = createRejection({ events: [] });

      // Assess
      expect(details).toEqual([{ field: "events", message: expect.stringMatching(/at least one/) }]);
    });

    it("leaves whether a type is in the catalog to the use case, which reads the catalog", () => {
      // Act
      const input = parseInput(
        createWebhookSchema,
        { ...validCreate, events: ["crm.deal.created"] },
        "webhook",
      );

      // Assess
      expect(input.events).toEqual(["crm.deal.created"]);
    });

    it.each([["crm..lead"], ["crm.*.created"], ["crm*"], ["crm-lead"]])(
      "rejects the malformed pattern %s",
      (pattern) => {
        // Act
        const details = createRejection({ events: [pattern] });

        // Assess
        expect(new Set(details.map((d) => d.field))).toEqual(new Set(["events.0"]));
        expect(details.map((d) => d.message)).toContain("an event type is like crm.lead.created, crm.* or *");
      },
    );

    it.each([[["*"]], [["crm.*"]], [["crm.lead.*", "contact.created"]], [["WEBHOOK.*", "crm_deal_created"]]])(
      "accepts %j",
      (events) => {
        // Act
        const input = parseInput(createWebhookSchema, { ...validCreate, events }, "webhook");

        // Assess
        expect(input.events).toEqual(events);
      },
    );

    it("removes duplicates, keeping the first occurrence order", () => {
      // Act
      const input = parseInput(
        createWebhookSchema,
        { ...validCreate, events: ["crm.*", "contact.created", "crm.*", "contact.created"] },
        "webhook",
      );

      // Assess
      expect(input.events).toEqual(["crm.*", "contact.created"]);
    });
  });

  describe("url", () => {
    it.each([
      ["not a URL", "receiver.example.com/hooks", /not a valid absolute URL/],
      ["an ftp:// URL", "ftp://receiver.example.com/hooks", /must use https/],
      ["credentials in the URL", "https://user:pass@receiver.example.com/", /credentials/],
      ["a user name alone in the URL", "https://user@receiver.example.com/", /credentials/],
      ["a #fragment", "https://receiver.example.com/hooks#part", /#fragment/],
      ["over 2048 characters", `https://receiver.example.com/${"p".repeat(2048)}`, /at most 2048/],
    ])("rejects %s", (_, url, message) => {
      // Act
      const details = createRejection({ url });

      // Assess
      expect(details.map((d) => d.field)).toEqual(["url"]);
      expect(details[0]?.message).toMatch(message);
    });

    it("accepts a URL with a port, path and query", () => {
      // Prepare
      const url = "https://receiver.example.com:8443/hooks/in?token=abc";

      // Act
      const input = parseInput(createWebhookSchema, { ...validCreate, url }, "webhook");

      // Assess
      expect(input.url).toBe(url);
    });
  });

  describe("headers", () => {
    it.each([
      "content-type",
      "Content-Length",
      "host",
      "user-agent",
      "webhook-id",
      "Webhook-Signature",
      "X-Webhook-Foo",
      "connection",
      "Transfer-Encoding",
      "proxy-authorization",
    ])("rejects the reserved header %s", (name) => {
      // Act
      const details = createRejection({ headers: { [name]: "value" } });

      // Assess
      expect(details).toEqual([
        { field: `headers.${name}`, message: expect.stringMatching(/set by the platform/) },
      ]);
    });

    it.each([
      ["a space", "X Api Key"],
      ["a colon", "X-Api:Key"],
      ["a non-ASCII letter", "X-Ação"],
      ["nothing", ""],
    ])("rejects a header name with %s, which is not an HTTP token", (_, name) => {
      // Act
      const details = createRejection({ headers: { [name]: "value" } });

      // Assess
      expect(details).toEqual([
        { field: `headers.${name}`, message: expect.stringMatching(/not a valid HTTP header name/) },
      ]);
    });

    it.each([
      ["a CR LF", "abc\r\nX-Injected: 1"],
      ["a bare LF", "abc\ndef"],
      ["a NUL", "abc\u0000def"],
      ["a DEL", "abc\u007fdef"],
    ])("rejects a header value with %s", (_, value) => {
      // Act
      const details = createRejection({ headers: { "X-Api-Key": value } });

      // Assess
      expect(details).toEqual([
        { field: "headers.X-Api-Key", message: expect.stringMatching(/control characters/) },
      ]);
    });

    it("accepts a header value with a tab", () => {
      // Prepare
      const headers = { "X-Api-Key": "abc\tdef" };

      // Act
      const input = parseInput(createWebhookSchema, { ...validCreate, headers }, "webhook");

      // Assess
      expect(input.headers).toEqual(headers);
    });

    it("rejects Latin-1 text in a header value, which receivers decode inconsistently", () => {
      expect(() =>
        parseInput(createWebhookSchema, { ...validCreate, headers: { "X-Label": "café" } }, "webhook"),
      ).toThrow(ValidationError);
    });

    it.each([
      ["a euro sign", "€5"],
      ["an emoji", "🚀"],
    ])("rejects a header value with %s, which HTTP clients cannot send", (_, value) => {
      // Act
      const details = createRejection({ headers: { "X-Label": value } });

      // Assess
      expect(details.map((d) => d.field)).toEqual(["headers.X-Label"]);
    });

    it("rejects the same header name twice in different case", () => {
      // Act
      const details = createRejection({ headers: { "X-Api-Key": "a", "x-api-key": "b" } });

      // Assess
      expect(details).toEqual([
        { field: "headers.x-api-key", message: expect.stringMatching(/given twice/) },
      ]);
    });

    it("accepts 20 headers and rejects 21", () => {
      // Prepare
      const headers = (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, "v"]));

      // Act
      const input = parseInput(createWebhookSchema, { ...validCreate, headers: headers(20) }, "webhook");
      const details = createRejection({ headers: headers(21) });

      // Assess
      expect(Object.keys(input.headers ?? {})).toHaveLength(20);
      expect(details).toEqual([{ field: "headers", message: expect.stringMatching(/at most 20/) }]);
    });
  });

  describe("field_mapping", () => {
    it.each([
      ["a path with a space", "lead email"],
      ["an empty segment", "lead..email"],
      ["a leading dot", ".lead"],
      ["a trailing dot", "lead."],
      ["an empty path", ""],
    ])("rejects %s", (_, path) => {
      // Act
      const details = createRejection({ field_mapping: { out: path } });

      // Assess
      expect(details).toEqual([{ field: "field_mapping.out", message: expect.stringMatching(/dot path/) }]);
    });

    it("rejects a value that is not a string", () => {
      // Act
      const details = createRejection({ field_mapping: { out: 42 } });

      // Assess
      expect(details.map((d) => d.field)).toEqual(["field_mapping.out"]);
    });
  });

  describe("http_method", () => {
    it.each(["POST", "PUT", "PATCH"])("accepts %s", (http_method) => {
      // Act
      const input = parseInput(createWebhookSchema, { ...validCreate, http_method }, "webhook");

      // Assess
      expect(input.http_method).toBe(http_method);
    });

    it.each(["GET", "DELETE", "put", "", 1])(
      "rejects %j with a detail listing the methods",
      (http_method) => {
        // Act
        const details = createRejection({ http_method });

        // Assess
        expect(details).toEqual([
          { field: "http_method", message: "http_method is one of POST, PUT, PATCH" },
        ]);
      },
    );

    it("leaves it out when not given, for the create to default to POST", () => {
      // Act
      const input = parseInput(createWebhookSchema, validCreate, "webhook");

      // Assess
      expect(input).not.toHaveProperty("http_method");
    });
  });

  describe("filter", () => {
    it("accepts null", () => {
      // Act
      const input = parseInput(createWebhookSchema, { ...validCreate, filter: null }, "webhook");

      // Assess
      expect(input.filter).toBeNull();
    });

    it("names a path that is not a dot path under filter", () => {
      // Act
      const details = createRejection({ filter: { "lead email": ["a"] } });

      // Assess
      expect(details).toEqual([
        { field: "filter.lead email", message: expect.stringContaining('"lead email" is not a dot path') },
      ]);
    });

    it("names the bad value of a path", () => {
      // Act
      const details = createRejection({ filter: { conversion_identifier: ["form-contato", { id: 1 }] } });

      // Assess
      expect(details.map((d) => d.field)).toEqual(["filter.conversion_identifier.1"]);
    });

    it("rejects 11 paths under filter", () => {
      // Prepare
      const filter = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, [i]]));

      // Act
      const details = createRejection({ filter });

      // Assess
      expect(details).toEqual([{ field: "filter", message: expect.stringMatching(/at most 10 paths/) }]);
    });
  });
});

describe("updateWebhookSchema", () => {
  it("accepts a single field", () => {
    // Act
    const input = parseInput(updateWebhookSchema, { is_active: true }, "webhook update");

    // Assess
    expect(input).toEqual({ is_active: true });
  });

  it("rejects an empty object, asking for at least one field", () => {
    // Act
    const details = rejection(updateWebhookSchema, {});

    // Assess
    expect(details).toEqual([{ field: "body", message: expect.stringMatching(/at least one field/) }]);
  });

  it('rejects {"verify": false} alone, which updates nothing', () => {
    // Act
    const details = rejection(updateWebhookSchema, { verify: false });

    // Assess
    expect(details).toEqual([{ field: "body", message: expect.stringMatching(/at least one field/) }]);
  });

  it("sets http_method and removes the filter with null", () => {
    // Act
    const input = parseInput(updateWebhookSchema, { http_method: "PATCH", filter: null }, "webhook update");

    // Assess
    expect(input).toEqual({ http_method: "PATCH", filter: null });
  });

  it("rejects a bad http_method and a bad filter, naming both", () => {
    // Act
    const details = rejection(updateWebhookSchema, { http_method: "GET", filter: { tags: [] } });

    // Assess
    expect(details.map((d) => d.field).sort()).toEqual(["filter.tags", "http_method"]);
  });

  it("applies the create rules to the fields it is given", () => {
    // Act
    const details = rejection(updateWebhookSchema, { url: "ftp://x.example.com/", headers: { Host: "x" } });

    // Assess
    expect(details.map((d) => d.field).sort()).toEqual(["headers.Host", "url"]);
  });

  it("rejects unknown fields with a message naming them", () => {
    // Act
    const details = rejection(updateWebhookSchema, { name: "ok", tenant_id: "other" });

    // Assess
    expect(details).toEqual([{ field: "body", message: expect.stringContaining("tenant_id") }]);
  });
});

describe("listWebhooksQuerySchema", () => {
  it("defaults to page 1 and limit 20", () => {
    // Act
    const query = parseInput(listWebhooksQuerySchema, {}, "query");

    // Assess
    expect(query).toEqual({ page: 1, limit: 20 });
  });

  it("coerces page, limit and active from query strings", () => {
    // Act
    const query = parseInput(listWebhooksQuerySchema, { page: "3", limit: "100", active: "false" }, "query");

    // Assess
    expect(query).toEqual({ page: 3, limit: 100, active: false });
  });

  it.each([
    ["limit 101", { limit: "101" }, "limit", /at most 100/],
    ["limit 0", { limit: "0" }, "limit", /at least 1/],
    ["page 0", { page: "0" }, "page", /starts at 1/],
    ["a fractional page", { page: "1.5" }, "page", /./],
    ["a page that is not a number", { page: "two" }, "page", /./],
    ["active other than true or false", { active: "yes" }, "active", /true or false/],
  ])("rejects %s", (_, value, field, message) => {
    // Act
    const details = rejection(listWebhooksQuerySchema, value);

    // Assess
    expect(details).toEqual([{ field, message: expect.stringMatching(message) }]);
  });

  it("rejects an unknown query parameter, naming it", () => {
    // Act
    const details = rejection(listWebhooksQuerySchema, { page: "1", sort: "name" });

    // Assess
    expect(details).toEqual([{ field: "body", message: expect.stringContaining("sort") }]);
  });
});

describe("signingSecrets", () => {
  const endpoint = { secret: "whsec_new" } as WebhookEndpoint;
  const rotated = {
    ...endpoint,
    previous_secret: "whsec_old",
    previous_secret_until: "2026-02-16T10:00:00.000Z",
  };

  it("signs with the endpoint's secret alone when it was never rotated", () => {
    expect(signingSecrets(endpoint, new Date("2026-02-15T10:00:00Z"))).toEqual(["whsec_new"]);
  });

  it("adds the previous secret, after the new one, until the overlap ends", () => {
    expect(signingSecrets(rotated, new Date("2026-02-16T09:59:59.999Z"))).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(rotated, new Date("2026-02-16T10:00:00.000Z"))).toEqual(["whsec_new"]);
  });
});
