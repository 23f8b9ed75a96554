import { describe, expect, it } from "vitest";
import { MemoryEventTypeStore } from "../../../../bench/memory-ports";
import { catalogAdmin } from "../../../../lambdas/core/catalog/catalog-admin";
import { MAX_SCHEMA_BYTES } from "../../../../lambdas/core/catalog/event-type";
import { ConflictError, NotFoundError, ValidationError } from "../../../../lambdas/core/errors";
import { MAX_DATA_BYTES } from "../../../../lambdas/core/event-message";

const leadSchema = {
  type: "object",
  required: ["lead"],
  properties: { lead: { type: "object", required: ["id"], properties: { id: { type: "string" } } } },
};
const leadExample = { lead: { id: "lead_4711" } };

function setup() {
  const store = new MemoryEventTypeStore();
  let now = new Date("2026-02-15T10:30:00.000Z");
  const admin = catalogAdmin({ store, clock: () => now });
  return { store, admin, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

describe("catalogAdmin.put", () => {
  it("creates a type, with its schema and example", async () => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = await admin.put("crm.lead.created", {
      description: "A lead was created",
      schema: leadSchema,
      example: leadExample,
    });

    // Assess
    const view = {
      type: "crm.lead.created",
      description: "A lead was created",
      schema: leadSchema,
      example: leadExample,
      deprecated: false,
      created_at: "2026-02-15T10:30:00.000Z",
      updated_at: "2026-02-15T10:30:00.000Z",
    };
    expect(put).toEqual({ created: true, eventType: view });
    expect(await admin.get("crm.lead.created")).toEqual(view);
    expect(store.types.get("crm.lead.created")?.schema).toEqual(leadSchema);
  });

  it("creates a type with only a description, showing no schema or example", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const { eventType } = await admin.put("contact.created", { description: "  A contact was created " });

    // Assess
    expect(eventType).toEqual({
      type: "contact.created",
      description: "A contact was created",
      deprecated: false,
      created_at: "2026-02-15T10:30:00.000Z",
      updated_at: "2026-02-15T10:30:00.000Z",
    });
  });

  it("replaces a type, keeping its created_at and dropping the schema and example the body lacks", async () => {
    // Prepare
    const { store, admin, advance } = setup();
    await admin.put("crm.lead.created", {
      description: "A lead was created",
      schema: leadSchema,
      example: leadExample,
    });
    advance(60_000);

    // Act
    const put = await admin.put("crm.lead.created", {
      description: "A lead was created (v2)",
      deprecated: true,
    });

    // Assess
    const view = {
      type: "crm.lead.created",
      description: "A lead was created (v2)",
      deprecated: true,
      created_at: "2026-02-15T10:30:00.000Z",
      updated_at: "2026-02-15T10:31:00.000Z",
    };
    expect(put).toEqual({ created: false, eventType: view });
    expect(await admin.get("crm.lead.created")).toEqual(view);
    expect(store.types.get("crm.lead.created")).toMatchObject({ schema: null, example: undefined });
  });

  it("drops a schema replaced with null", async () => {
    // Prepare
    const { admin } = setup();
    await admin.put("crm.lead.created", { description: "A lead", schema: leadSchema });

    // Act
    const { eventType } = await admin.put("crm.lead.created", { description: "A lead", schema: null });

    // Assess
    expect(eventType).not.toHaveProperty("schema");
  });

  it("keeps an example without a schema, and a falsy example", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const withObject = await admin.put("crm.lead.created", { description: "A lead", example: leadExample });
    const withZero = await admin.put("counter.reset", { description: "Reset", example: 0 });

    // Assess
    expect(withObject.eventType.example).toEqual(leadExample);
    expect(withZero.eventType).toHaveProperty("example", 0);
  });

  it.each([
    "crm.lead.created",
    "WEBHOOK.CONVERTED",
    "crm_deal_created",
    "campaign_email.sent",
    "new_assigned_message",
    "Webhook.custom",
    "t".repeat(128),
  ])("accepts the name %s, keeping its case", async (type) => {
    // Prepare
    const { admin } = setup();

    // Act
    const put = await admin.put(type, { description: "A seed's event" });

    // Assess
    expect(put.eventType.type).toBe(type);
    expect((await admin.get(type)).type).toBe(type);
  });

  it.each([
    ["webhook.test", /belong to the platform/],
    ["Webhook.Test", /belong to the platform/],
    ["WEBHOOK.DISABLED", /belong to the platform/],
    ["webhook.custom", /belong to the platform/],
    ["crm..lead", /dot-separated segments/],
    ["crm.*", /dot-separated segments/],
    ["a-b", /dot-separated segments/],
    ["", /dot-separated segments/],
    ["t".repeat(129), /at most 128 characters/],
  ])("refuses the name %j and stores nothing", async (type, message) => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = admin.put(type, { description: "Not the operator's to define" });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toThrow(message);
    expect(store.types.size).toBe(0);
  });

  it("refuses a name that differs from a stored one only in case, with 409", async () => {
    // Prepare
    const { store, admin } = setup();
    await admin.put("crm.lead.created", { description: "A lead was created" });

    // Act
    const put = admin.put("CRM.Lead.Created", { description: "A twin" });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ConflictError);
    await expect(put).rejects.toMatchObject({
      message: expect.stringContaining("crm.lead.created"),
      details: [{ field: "type", message: "taken by crm.lead.created" }],
    });
    expect([...store.types.keys()]).toEqual(["crm.lead.created"]);
  });

  it("refuses a schema ajv cannot compile, with ajv's message on the field schema", async () => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", { description: "A lead", schema: { type: "objekt" } });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toMatchObject({
      details: [
        {
          field: "schema",
          message: expect.stringContaining("data/type must be equal to one of the allowed values"),
        },
      ],
    });
    expect(store.types.size).toBe(0);
  });

  it.each([
    ["a remote $ref", { $ref: "https://example.com/schemas/lead.json" }],
    ["a $ref to a missing definition", { $ref: "#/$defs/missing" }],
    ["an unknown $schema", { $schema: "http://json-schema.org/draft-07/schema#", type: "object" }],
  ])("refuses a schema with %s, fetching nothing", async (_, schema) => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", { description: "A lead", schema });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toMatchObject({
      details: [{ field: "schema", message: expect.stringMatching(/JSON Schema/) }],
    });
    expect(store.types.size).toBe(0);
  });

  it("accepts a schema with local definitions, and the same $id saved twice", async () => {
    // Prepare
    const { admin } = setup();
    const schema = {
      $id: "https://example.com/schemas/lead",
      $defs: { id: { type: "string", minLength: 1 } },
      type: "object",
      properties: { id: { $ref: "#/$defs/id" } },
    };

    // Act
    const first = await admin.put("crm.lead.created", {
      description: "A lead",
      schema,
      example: { id: "l1" },
    });
    const second = await admin.put("crm.lead.created", {
      description: "A lead",
      schema,
      example: { id: "l2" },
    });

    // Assess
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
  });

  it.each([
    ["a string", "object"],
    ["an array", [{ type: "object" }]],
    ["a boolean", true],
  ])("refuses a schema that is %s", async (_, schema) => {
    // Prepare
    const { admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", { description: "A lead", schema });

    // Assess
    await expect(put).rejects.toMatchObject({ details: [expect.objectContaining({ field: "schema" })] });
  });

  it("refuses a schema over 64 KB as JSON", async () => {
    // Prepare
    const { store, admin } = setup();
    const schema = { type: "object", description: "d".repeat(MAX_SCHEMA_BYTES) };

    // Act
    const put = admin.put("crm.lead.created", { description: "A lead", schema });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toMatchObject({
      details: [{ field: "schema", message: expect.stringMatching(/64 KB/) }],
    });
    expect(store.types.size).toBe(0);
  });

  it("refuses an example that fails the schema, on the field example", async () => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", {
      description: "A lead",
      schema: leadSchema,
      example: { lead: {} },
    });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toMatchObject({
      details: [
        {
          field: "example",
          message: "the example does not match the schema: /lead must have required property 'id'",
        },
      ],
    });
    expect(store.types.size).toBe(0);
  });

  it("refuses an example over 256 KB as JSON", async () => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", {
      description: "A lead",
      example: { blob: "x".repeat(MAX_DATA_BYTES) },
    });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toMatchObject({
      details: [{ field: "example", message: expect.stringMatching(/256 KB/) }],
    });
    expect(store.types.size).toBe(0);
  });

  it("refuses unknown body fields, naming them", async () => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", { description: "A lead", version: 2 });

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toMatchObject({
      details: [{ field: "body", message: expect.stringContaining("version") }],
    });
    expect(store.types.size).toBe(0);
  });

  it.each([
    ["a missing description", {}],
    ["an empty description", { description: "   " }],
    ["a description over 500 characters", { description: "d".repeat(501) }],
    ["a description that is not a string", { description: 42 }],
    ["a deprecated that is not a boolean", { description: "A lead", deprecated: "yes" }],
  ])("refuses %s", async (_, body) => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", body);

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    expect(store.types.size).toBe(0);
  });

  it("refuses a body that is not an object", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const put = admin.put("crm.lead.created", "A lead");

    // Assess
    await expect(put).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("catalogAdmin.get and remove", () => {
  it("answers 404 for a type the catalog does not have", async () => {
    // Prepare
    const { admin } = setup();
    await admin.put("crm.lead.created", { description: "A lead" });

    // Act
    const get = admin.get("crm.lead.moved");
    const otherCase = admin.get("CRM.LEAD.CREATED");
    const remove = admin.remove("crm.lead.moved");

    // Assess
    await expect(get).rejects.toBeInstanceOf(NotFoundError);
    await expect(otherCase).rejects.toBeInstanceOf(NotFoundError);
    await expect(remove).rejects.toBeInstanceOf(NotFoundError);
  });

  it("removes a type, which then answers 404", async () => {
    // Prepare
    const { store, admin } = setup();
    await admin.put("crm.lead.created", { description: "A lead" });
    await admin.put("crm.lead.moved", { description: "A move" });

    // Act
    const removed = await admin.remove("crm.lead.created");

    // Assess
    expect(removed).toEqual({ type: "crm.lead.created", deleted: true });
    await expect(admin.get("crm.lead.created")).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.remove("crm.lead.created")).rejects.toBeInstanceOf(NotFoundError);
    expect([...store.types.keys()]).toEqual(["crm.lead.moved"]);
  });

  it("refuses a malformed name on get and remove", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const get = admin.get("crm..lead");
    const remove = admin.remove("webhook.test");

    // Assess
    await expect(get).rejects.toBeInstanceOf(ValidationError);
    await expect(remove).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("catalogAdmin.list", () => {
  it("lists every type by name", async () => {
    // Prepare
    const { admin } = setup();
    const types = [
      "crm.lead.moved",
      "campaign_email.sent",
      "WEBHOOK.CONVERTED",
      "crm.lead.created",
      "contact.created",
    ];
    for (const type of types) await admin.put(type, { description: `${type} happened` });

    // Act
    const listed = await admin.list({});

    // Assess
    expect(listed.map((t) => t.type)).toEqual([
      "campaign_email.sent",
      "contact.created",
      "crm.lead.created",
      "crm.lead.moved",
      "WEBHOOK.CONVERTED",
    ]);
    expect(listed[0]).toEqual({
      type: "campaign_email.sent",
      description: "campaign_email.sent happened",
      deprecated: false,
      created_at: "2026-02-15T10:30:00.000Z",
      updated_at: "2026-02-15T10:30:00.000Z",
    });
  });

  it("lists an empty catalog as an empty list", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const types = await admin.list({});

    // Assess
    expect(types).toEqual([]);
  });

  it("refuses query parameters", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const list = admin.list({ limit: "10" });

    // Assess
    await expect(list).rejects.toBeInstanceOf(ValidationError);
  });
});
