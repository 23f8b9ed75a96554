import { describe, expect, it } from "vitest";
import { MemoryEventTypeStore } from "../../../../bench/memory-ports";
import { cachedCatalog, tenantCatalog } from "../../../../lambdas/core/catalog/catalog";
import { eventChecker } from "../../../../lambdas/core/catalog/event-check";
import type { EventTypeDefinition } from "../../../../lambdas/core/catalog/event-type";
import { ValidationError } from "../../../../lambdas/core/errors";

const at = "2026-02-15T10:30:00.000Z";

function definition(type: string, fields: Partial<EventTypeDefinition> = {}): EventTypeDefinition {
  return {
    type,
    description: `${type} happened`,
    schema: null,
    example: undefined,
    deprecated: false,
    created_at: at,
    updated_at: at,
    ...fields,
  };
}

/** A store's list, counting its reads; `next` decides what the next read answers. */
class CountingList {
  reads = 0;
  next: () => Promise<EventTypeDefinition[]> = async () => [definition("crm.lead.created")];

  list(): Promise<EventTypeDefinition[]> {
    this.reads++;
    return this.next();
  }
}

function storeWith(...types: EventTypeDefinition[]): MemoryEventTypeStore {
  const store = new MemoryEventTypeStore();
  for (const type of types) store.types.set(type.type, type);
  return store;
}

const leadSchema = {
  type: "object",
  required: ["lead"],
  properties: { lead: { type: "object", required: ["id"], properties: { id: { type: "string" } } } },
};

describe("cachedCatalog", () => {
  it("reads the store once within the TTL and again after it", async () => {
    // Prepare
    const store = new CountingList();
    let now = 1_000;
    const catalog = cachedCatalog(store, 30_000, () => now);

    // Act
    await catalog.types();
    now += 29_999;
    await catalog.types();
    const readsWithin = store.reads;
    now += 1;
    await catalog.types();

    // Assess
    expect(readsWithin).toBe(1);
    expect(store.reads).toBe(2);
  });

  it("answers what the store holds after the TTL", async () => {
    // Prepare
    const store = storeWith(definition("crm.lead.created"));
    let now = 0;
    const catalog = cachedCatalog(store, 1_000, () => now);
    await catalog.types();
    store.types.set("crm.lead.moved", definition("crm.lead.moved"));

    // Act
    const within = await catalog.types();
    now = 1_000;
    const after = await catalog.types();

    // Assess
    expect(within.map((t) => t.type)).toEqual(["crm.lead.created"]);
    expect(after.map((t) => t.type)).toEqual(["crm.lead.created", "crm.lead.moved"]);
  });

  it("reads the store every time with a TTL of 0", async () => {
    // Prepare
    const store = new CountingList();
    const catalog = cachedCatalog(store, 0, () => 5_000);

    // Act
    await catalog.types();
    await catalog.types();
    await catalog.types();

    // Assess
    expect(store.reads).toBe(3);
  });

  it("lets concurrent callers share one read", async () => {
    // Prepare
    const store = new CountingList();
    let answer: (types: EventTypeDefinition[]) => void = () => {};
    store.next = () => new Promise((resolve) => (answer = resolve));
    const catalog = cachedCatalog(store, 30_000, () => 0);

    // Act
    const first = catalog.types();
    const second = catalog.types();
    answer([definition("contact.created")]);
    const answers = await Promise.all([first, second]);

    // Assess
    expect(store.reads).toBe(1);
    expect(answers.map((types) => types.map((t) => t.type))).toEqual([
      ["contact.created"],
      ["contact.created"],
    ]);
  });

  it("does not keep a failed read: the next caller reads again", async () => {
    // Prepare
    const store = new CountingList();
    store.next = async () => {
      throw new Error("throttled");
    };
    const catalog = cachedCatalog(store, 30_000, () => 0);

    // Act
    const failed = catalog.types();
    await expect(failed).rejects.toThrow("throttled");
    store.next = async () => [definition("contact.created")];
    const retried = await catalog.types();
    await catalog.types();

    // Assess
    expect(retried.map((t) => t.type)).toEqual(["contact.created"]);
    expect(store.reads).toBe(2);
  });
});

describe("eventChecker", () => {
  it("refuses a type the catalog does not have, on the field type", async () => {
    // Prepare
    const checker = eventChecker(cachedCatalog(storeWith(definition("crm.lead.created")), 0));

    // Act
    const unknown = await checker.check("crm.deal.created", {});
    const otherCase = await checker.check("CRM.LEAD.CREATED", {});

    // Assess
    expect(unknown).toEqual({
      ok: false,
      field: "type",
      message: "unknown event type crm.deal.created; see GET /v1/webhooks/events",
    });
    expect(otherCase).toMatchObject({ ok: false, field: "type" });
  });

  it.each([{}, { anything: [1, "two", null] }, "text", 42, null])(
    "passes the data %j of a type without a schema",
    async (data) => {
      // Prepare
      const checker = eventChecker(cachedCatalog(storeWith(definition("crm.lead.created")), 0));

      // Act
      const verdict = await checker.check("crm.lead.created", data);

      // Assess
      expect(verdict).toEqual({ ok: true });
    },
  );

  it("passes data that matches the type's schema", async () => {
    // Prepare
    const checker = eventChecker(
      cachedCatalog(storeWith(definition("crm.lead.created", { schema: leadSchema })), 0),
    );

    // Act
    const verdict = await checker.check("crm.lead.created", { lead: { id: "lead_1" }, extra: true });

    // Assess
    expect(verdict).toEqual({ ok: true });
  });

  it("refuses data that fails the type's schema, on the field data with ajv's message", async () => {
    // Prepare
    const checker = eventChecker(
      cachedCatalog(storeWith(definition("crm.lead.created", { schema: leadSchema })), 0),
    );

    // Act
    const missing = await checker.check("crm.lead.created", {});
    const wrongType = await checker.check("crm.lead.created", { lead: { id: 4711 } });

    // Assess
    expect(missing).toEqual({
      ok: false,
      field: "data",
      message: "data does not match the schema of crm.lead.created: data must have required property 'lead'",
    });
    expect(wrongType).toEqual({
      ok: false,
      field: "data",
      message: "data does not match the schema of crm.lead.created: /lead/id must be string",
    });
  });

  it("compiles a schema once per version, and applies a replaced type's new schema", async () => {
    // Prepare
    const store = storeWith(definition("crm.lead.created", { schema: leadSchema }));
    const checker = eventChecker(cachedCatalog(store, 0));
    const before = await checker.check("crm.lead.created", {});
    // The same version with another schema: what was compiled for the version is kept.
    store.types.set("crm.lead.created", definition("crm.lead.created", { schema: { type: "string" } }));
    const sameVersion = await checker.check("crm.lead.created", {});
    // A replacement (a new updated_at) is compiled again.
    const updated_at = "2026-02-16T00:00:00.000Z";
    store.types.set(
      "crm.lead.created",
      definition("crm.lead.created", { schema: { type: "string" }, updated_at }),
    );

    // Act
    const objectData = await checker.check("crm.lead.created", { lead: { id: "lead_1" } });
    const stringData = await checker.check("crm.lead.created", "a string");

    // Assess
    expect(before).toMatchObject({ ok: false, message: expect.stringContaining("required property 'lead'") });
    expect(sameVersion).toMatchObject({
      ok: false,
      message: expect.stringContaining("required property 'lead'"),
    });
    expect(objectData).toEqual({
      ok: false,
      field: "data",
      message: "data does not match the schema of crm.lead.created: data must be string",
    });
    expect(stringData).toEqual({ ok: true });
  });

  it("passes everything once a replacement drops the schema", async () => {
    // Prepare
    const store = storeWith(definition("crm.lead.created", { schema: leadSchema }));
    const checker = eventChecker(cachedCatalog(store, 0));
    await checker.check("crm.lead.created", {});
    store.types.set(
      "crm.lead.created",
      definition("crm.lead.created", { updated_at: "2026-02-16T00:00:00.000Z" }),
    );

    // Act
    const verdict = await checker.check("crm.lead.created", {});

    // Assess
    expect(verdict).toEqual({ ok: true });
  });

  it("refuses every event of a type whose stored schema no longer compiles", async () => {
    // Prepare
    const broken = definition("crm.lead.created", { schema: { type: "objekt" } });
    const checker = eventChecker(cachedCatalog(storeWith(broken, definition("contact.created")), 0));

    // Act
    const first = await checker.check("crm.lead.created", {});
    const second = await checker.check("crm.lead.created", { lead: { id: "lead_1" } });
    const otherType = await checker.check("contact.created", {});

    // Assess
    const refused = { ok: false, field: "data", message: expect.stringMatching(/schema no longer compiles/) };
    expect(first).toEqual(refused);
    expect(second).toEqual(refused);
    expect(otherType).toEqual({ ok: true });
  });
});

describe("tenantCatalog", () => {
  it("shows the operator's types by name, then the platform's own, without when they were saved", async () => {
    // Prepare
    const store = storeWith(
      definition("crm.lead.moved", { deprecated: true }),
      definition("crm.lead.created", { schema: leadSchema, example: { lead: { id: "lead_1" } } }),
      definition("chat.conversation.created"),
    );

    // Act
    const types = await tenantCatalog(cachedCatalog(store, 0), {});

    // Assess
    expect(types).toEqual([
      {
        type: "chat.conversation.created",
        description: "chat.conversation.created happened",
        deprecated: false,
      },
      {
        type: "crm.lead.created",
        description: "crm.lead.created happened",
        schema: leadSchema,
        example: { lead: { id: "lead_1" } },
        deprecated: false,
      },
      { type: "crm.lead.moved", description: "crm.lead.moved happened", deprecated: true },
      { type: "webhook.test", description: expect.any(String), deprecated: false },
      { type: "webhook.disabled", description: expect.any(String), deprecated: false },
    ]);
    expect(JSON.stringify(types)).not.toMatch(/created_at|updated_at/);
  });

  it("shows only the platform's types for an empty catalog", async () => {
    // Act
    const types = await tenantCatalog(cachedCatalog(new MemoryEventTypeStore(), 0), {});

    // Assess
    expect(types.map((t) => t.type)).toEqual(["webhook.test", "webhook.disabled"]);
  });

  it("refuses query parameters", async () => {
    // Prepare
    const catalog = cachedCatalog(storeWith(definition("crm.lead.created")), 0);

    // Act
    const read = tenantCatalog(catalog, { page: "2" });

    // Assess
    await expect(read).rejects.toBeInstanceOf(ValidationError);
    await expect(read).rejects.toMatchObject({
      details: [{ field: "body", message: expect.stringContaining("page") }],
    });
  });
});
