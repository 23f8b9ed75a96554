import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newTenant } from "../support/platform";

/**
 * Uniqueness under concurrent requests: the rules hold because the writes are
 * conditional transactions, not because requests happen to arrive one by one.
 */
const url = () => `http://127.0.0.1:9/hooks/${randomUUID()}`;
const endpoint = (overrides: Record<string, unknown>) => ({
  name: "Concurrent",
  url: url(),
  events: ["crm.lead.created"],
  verify: false,
  ...overrides,
});

describe("concurrent creates", () => {
  it("lets exactly one of ten simultaneous creates for the same url and event win", async () => {
    const t = await newTenant();
    const shared = url();

    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.api("POST", "/v1/webhooks", { body: endpoint({ url: shared }) })),
    );

    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    expect((await t.api("GET", "/v1/webhooks")).json.pagination.total).toBe(1);
  });

  it("gives simultaneous endpoints with the same name distinct slugs", async () => {
    const t = await newTenant();

    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.api("POST", "/v1/webhooks", { body: endpoint({ name: "Same Name" }) }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const slugs = new Set(results.map((r) => r.json.data.slug));
    expect(slugs.size).toBe(8);
    expect(slugs).toContain("same-name");
  });

  it("never lets a burst of creates pass the 50-endpoint limit", async () => {
    const t = await newTenant();
    await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        t.api("POST", "/v1/webhooks", { body: endpoint({ name: `Pre ${i}` }) }),
      ),
    );

    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.api("POST", "/v1/webhooks", { body: endpoint({ name: `Burst ${i}` }) }),
      ),
    );

    const created = burst.filter((r) => r.status === 201).length;
    expect(created).toBe(5);
    expect(burst.filter((r) => r.status === 422).every((r) => r.json.error.code === "limit_exceeded")).toBe(
      true,
    );
    expect((await t.api("GET", "/v1/webhooks?limit=100")).json.pagination.total).toBe(50);
  });

  it("lets only one of two endpoints move to the same url and event at once", async () => {
    const t = await newTenant();
    const a = (await t.api("POST", "/v1/webhooks", { body: endpoint({}) })).json.data;
    const b = (await t.api("POST", "/v1/webhooks", { body: endpoint({}) })).json.data;
    const target = url();

    const results = await Promise.all(
      [a, b].map((e) => t.api("PUT", `/v1/webhooks/${e.id}`, { body: { url: target, verify: false } })),
    );

    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});
