import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, newTenant, type TestTenant } from "../support/platform";
import { type Receiver, startReceiver } from "../support/receiver";

/**
 * Each seed's own event catalog (catalogs/*.json), imported through the
 * operators' API as an operator of that product would, an endpoint subscribed
 * to all of it, and each type's example sent to it with POST .../test.
 */
interface CatalogFile {
  readonly event_types: readonly { type: string; description: string; example?: unknown; schema?: unknown }[];
}

const seeds = ["snovio", "rd-station", "sendsonar", "jurichat"] as const;
const catalogOf = (seed: string): CatalogFile =>
  JSON.parse(readFileSync(new URL(`../../catalogs/${seed}.json`, import.meta.url), "utf8"));

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe.each(seeds)("the %s catalog", (seed) => {
  const catalog = catalogOf(seed);
  let tenant: TestTenant;
  let webhookId: string;

  beforeAll(async () => {
    tenant = await newTenant(seed);
  });

  it("imports, and every type is subscribable by its exact name", async () => {
    // Act
    const imported = await Promise.all(
      catalog.event_types.map(({ type, ...definition }) =>
        adminApi().request("PUT", `/event-types/${encodeURIComponent(type)}`, definition),
      ),
    );
    const created = await tenant.api("POST", "/v1/webhooks", {
      body: {
        name: `${seed} receiver`,
        url: `${receiver.url}/${seed}`,
        events: catalog.event_types.map((t) => t.type),
        verify: false,
      },
    });
    const listed = await tenant.api("GET", "/v1/webhooks/events");

    // Assess
    expect(imported.map((r) => r.status).every((s) => s === 200 || s === 201)).toBe(true);
    expect(created.status).toBe(201);
    expect(listed.json.data.map((t: { type: string }) => t.type)).toEqual(
      expect.arrayContaining(catalog.event_types.map((t) => t.type)),
    );
    webhookId = created.json.data.id;
  });

  it("sends each type's example with POST /v1/webhooks/{id}/test", async () => {
    // Prepare
    const withExamples = catalog.event_types.filter((t) => t.example !== undefined);

    // Act
    const tests = [];
    for (const { type } of withExamples) {
      tests.push(await tenant.api("POST", `/v1/webhooks/${webhookId}/test`, { body: { event_type: type } }));
    }
    const received = await receiver.waitForRequests(withExamples.length, (r) => r.path === `/${seed}`);

    // Assess
    expect(withExamples.length).toBeGreaterThan(0);
    expect(tests.map((t) => [t.status, t.json.data.status])).toEqual(
      withExamples.map(() => [200, "succeeded"]),
    );
    expect(received.map((r) => [r.headers["x-webhook-event"], r.json.data])).toEqual(
      withExamples.map((t) => [t.type, t.example]),
    );
  });
});

describe("POST /v1/webhooks/{id}/test with an event_type", () => {
  let tenant: TestTenant;
  let webhookId: string;

  beforeAll(async () => {
    tenant = await newTenant("example");
    await adminApi().request("PUT", "/event-types/Example_without.example", { description: "No example" });
    const created = await tenant.api("POST", "/v1/webhooks", {
      body: { name: "Examples", url: `${receiver.url}/examples`, events: ["crm.*"], verify: false },
    });
    webhookId = created.json.data.id;
  });
  afterAll(() => adminApi().request("DELETE", "/event-types/Example_without.example"));

  it.each([
    ["a type outside the catalog", "billing.nothing", "is not in the event-type catalog"],
    ["a type without an example", "Example_without.example", "has no example"],
  ])("refuses %s (400)", async (_, type, message) => {
    // Act
    const res = await tenant.api("POST", `/v1/webhooks/${webhookId}/test`, { body: { event_type: type } });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([
      { field: "event_type", message: expect.stringContaining(message) },
    ]);
  });

  it("sends webhook.test without an event_type, and the example of a type with one", async () => {
    // Act
    const plain = await tenant.api("POST", `/v1/webhooks/${webhookId}/test`);
    const example = await tenant.api("POST", `/v1/webhooks/${webhookId}/test`, {
      body: { event_type: "crm.lead.created" },
    });

    // Assess
    expect(plain.json.data).toMatchObject({ event_type: "webhook.test", status: "succeeded" });
    expect(example.json.data).toMatchObject({ event_type: "crm.lead.created", status: "succeeded" });
  });
});
