import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryEventTypeStore } from "../../../bench/memory-ports";
import { DynamoDbEventTypeStore } from "../../../lambdas/adapters/dynamodb-event-type-store";
import type { EventTypeStore } from "../../../lambdas/core/catalog/catalog";
import type { EventTypeDefinition } from "../../../lambdas/core/catalog/event-type";
import { documentClient, platform } from "../../support/platform";

/**
 * The EventTypeStore port's contract, passed by DynamoDB (against DynamoDB Local) and by the
 * in-memory store the bench and the core tests use. The DynamoDB catalog is one partition shared
 * by every test file (and seeded with JuriChat's types), so each test names its own types with a
 * random prefix, asserts on those alone, and they are removed at the end.
 */
function eventTypeStoreContract(makeStore: () => EventTypeStore) {
  let store: EventTypeStore;
  const used = new Set<string>();
  /** A type name of this test alone. */
  const typeName = (rest = "crm.lead.created") => {
    const type = `t${randomBytes(5).toString("hex")}.${rest}`;
    used.add(type);
    return type;
  };
  const mine = async (...types: string[]) => (await store.list()).filter((t) => types.includes(t.type));

  beforeAll(() => {
    store = makeStore();
  });

  afterAll(async () => {
    for (const type of used) await store.remove(type);
  });

  const jan = "2026-01-01T00:00:00.000Z";
  const feb = "2026-02-01T00:00:00.000Z";

  function definition(type: string, fields: Partial<EventTypeDefinition> = {}): EventTypeDefinition {
    return {
      type,
      description: "A lead was created",
      schema: { type: "object", required: ["lead"] },
      example: { lead: { id: "lead_4711" } },
      deprecated: false,
      created_at: jan,
      updated_at: jan,
      ...fields,
    };
  }

  /** `depth` objects nested in each other, each a level of properties: 2 * depth levels of JSON. */
  function nestedSchema(depth: number): Record<string, unknown> {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < depth; i++) schema = { type: "object", properties: { [`level${i}`]: schema } };
    return schema;
  }

  it("creates a type, and gets it back field by field", async () => {
    // Prepare
    const type = typeName();

    // Act
    const put = await store.put(definition(type, { deprecated: true }));

    // Assess
    expect(put).toEqual({ created: true, created_at: jan });
    expect(await store.get(type)).toEqual(definition(type, { deprecated: true }));
  });

  it("stores the created_at it is given for a new type, as it answers", async () => {
    // Prepare
    const type = typeName();

    // Act
    const put = await store.put(definition(type, { created_at: jan, updated_at: feb }));

    // Assess
    expect(put).toEqual({ created: true, created_at: jan });
    expect(await store.get(type)).toMatchObject({ created_at: jan, updated_at: feb });
  });

  it("replaces a type, keeping when it was first created", async () => {
    // Prepare
    const type = typeName();
    await store.put(definition(type));
    const replacement = definition(type, {
      description: "A lead was created (v2)",
      schema: { type: "object" },
      example: { v: 2 },
      deprecated: true,
      created_at: feb,
      updated_at: feb,
    });

    // Act
    const put = await store.put(replacement);

    // Assess
    expect(put).toEqual({ created: false, created_at: jan });
    expect(await store.get(type)).toEqual({ ...replacement, created_at: jan });
  });

  it("drops the schema and the example when a replacement has none", async () => {
    // Prepare
    const type = typeName();
    await store.put(definition(type));

    // Act
    await store.put(definition(type, { schema: null, example: undefined, updated_at: feb }));

    // Assess
    const stored = await store.get(type);
    expect(stored?.schema).toBeNull();
    expect(stored?.example).toBeUndefined();
    expect(stored).toEqual(definition(type, { schema: null, example: undefined, updated_at: feb }));
  });

  it("keeps a schema nested deeper than 32 levels and an example with empty-string keys", async () => {
    // Prepare
    const type = typeName();
    const schema = nestedSchema(40);
    const example = {
      "": { "": "empty keys", " ": [null, { "": 0 }] },
      "ç.ã": "ÿ 🎉",
      deep: [[[[]]]],
      n: 1.5e-7,
    };

    // Act
    await store.put(definition(type, { schema, example }));

    // Assess
    const [listed] = await mine(type);
    expect(await store.get(type)).toEqual(definition(type, { schema, example }));
    expect(listed).toEqual(definition(type, { schema, example }));
  });

  it.each([
    ["zero", 0],
    ["false", false],
    ["null", null],
    ["an empty string", ""],
    ["an empty array", []],
  ])("keeps an example that is %s", async (_, example) => {
    // Prepare
    const type = typeName();

    // Act
    await store.put(definition(type, { schema: null, example }));

    // Assess
    expect(await store.get(type)).toEqual(definition(type, { schema: null, example }));
    expect((await store.get(type))?.example).toStrictEqual(example);
  });

  it("lists every stored type", async () => {
    // Prepare
    const types = [typeName("crm.lead.created"), typeName("WEBHOOK.CONVERTED"), typeName("crm_deal_created")];
    for (const type of types) await store.put(definition(type));

    // Act
    const listed = await mine(...types);

    // Assess
    expect(listed).toHaveLength(3);
    expect(listed).toEqual(expect.arrayContaining(types.map((type) => definition(type))));
  });

  it("keeps names that differ only in case apart", async () => {
    // Prepare
    const lower = typeName("crm.lead.created");
    const upper = lower.toUpperCase();
    used.add(upper);
    await store.put(definition(lower, { description: "lower" }));
    await store.put(definition(upper, { description: "upper" }));

    // Act
    const [lowerType, upperType] = [await store.get(lower), await store.get(upper)];

    // Assess
    expect(lowerType?.description).toBe("lower");
    expect(upperType?.description).toBe("upper");
  });

  it("removes a type: it is got and listed no more", async () => {
    // Prepare
    const removed = typeName();
    const kept = typeName();
    await store.put(definition(removed));
    await store.put(definition(kept));

    // Act
    const answered = await store.remove(removed);

    // Assess
    expect(answered).toBe(true);
    expect(await store.get(removed)).toBeUndefined();
    expect((await mine(removed, kept)).map((t) => t.type)).toEqual([kept]);
  });

  it("answers false when removing a type it does not have, or removing one twice", async () => {
    // Prepare
    const type = typeName();
    await store.put(definition(type));
    await store.remove(type);

    // Act
    const twice = await store.remove(type);
    const unknown = await store.remove(typeName());

    // Assess
    expect([twice, unknown]).toEqual([false, false]);
  });

  it("gets nothing for a type it does not have", async () => {
    // Act
    const got = await store.get(typeName());

    // Assess
    expect(got).toBeUndefined();
  });

  it("creates a removed type anew", async () => {
    // Prepare
    const type = typeName();
    await store.put(definition(type));
    await store.remove(type);

    // Act
    const put = await store.put(definition(type, { created_at: feb, updated_at: feb }));

    // Assess
    expect(put).toEqual({ created: true, created_at: feb });
    expect(await store.get(type)).toMatchObject({ created_at: feb });
  });
}

describe.each([
  ["DynamoDbEventTypeStore", () => new DynamoDbEventTypeStore(documentClient(), platform().TableName)],
  ["MemoryEventTypeStore", () => new MemoryEventTypeStore()],
])("%s, as an EventTypeStore", (_, makeStore: () => EventTypeStore) => {
  eventTypeStoreContract(makeStore);
});
