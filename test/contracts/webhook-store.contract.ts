/**
 * @module The WebhookStore contract (lambdas/core/webhook-store.ts), with the EndpointDisabler
 * every webhook store also is: one suite that every implementation passes. It comes in two parts,
 * so that a store holding only what the delivery worker reads can run the part it implements:
 * `endpointReadsContract` (get and list, with the health the worker records, and disable) and
 * `webhookStoreContract` (those, and a tenant's writes: urlRegistrations, insert, replace, remove).
 * Production (the DynamoDB adapter) is the reference.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { endpoint as benchEndpoint } from "../../bench/fixtures";
import type { EndpointDisabler, EndpointHealthStore } from "../../lambdas/core/delivery/ports";
import { HEALTHY, type WebhookEndpoint } from "../../lambdas/core/webhook-endpoint";
import {
  EndpointGoneError,
  EndpointLimitReachedError,
  SlugTakenError,
  StaleWriteError,
} from "../../lambdas/core/errors";
import { type WebhookStore } from "../../lambdas/core/webhook-store";

/** What the delivery worker reads of endpoints, the health store beside them, and a way to add one. */
export interface EndpointReadsUnderTest {
  readonly store: Pick<WebhookStore, "get" | "list"> & EndpointDisabler;
  readonly health: EndpointHealthStore;
  /** Stores a new endpoint (healthy), as a tenant's create does. */
  add(endpoint: WebhookEndpoint): Promise<void>;
}

export interface WebhookStoreUnderTest {
  readonly store: WebhookStore & EndpointDisabler;
  readonly health: EndpointHealthStore;
}

const AT = "2026-03-02T12:00:00.000Z";
const LATER = "2026-03-02T12:05:00.000Z";
const newTenantId = () => `contract-${randomUUID()}`;

/** Endpoint `n` of a tenant, with every optional field set, so a store must keep each of them. */
function endpointOf(tenantId: string, n: number, fields: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    ...benchEndpoint(tenantId, n, `https://hooks.example.com/${tenantId}/${n}`),
    http_method: "PUT",
    description: "Leads for the sales pipeline",
    field_mapping: { "lead.email": "email" },
    filter: { "lead.score": [7, 2 ** 60], "lead.vip": [true, null] },
    target_pipeline_id: "pl_sales",
    ...fields,
  };
}

const byId = (endpoints: readonly WebhookEndpoint[]) => [...endpoints].sort((a, b) => (a.id < b.id ? -1 : 1));

export function endpointReadsContract(make: () => EndpointReadsUnderTest): void {
  describe("get", () => {
    it("answers an endpoint with every field, healthy; undefined for one not stored or another tenant's", async () => {
      const { store, add } = make();
      const endpoint = endpointOf(newTenantId(), 1);
      await add(endpoint);

      expect(await store.get(endpoint.tenant_id, endpoint.id)).toEqual(endpoint);
      expect(await store.get(endpoint.tenant_id, `wh_${randomUUID()}`)).toBeUndefined();
      expect(await store.get(newTenantId(), endpoint.id)).toBeUndefined();
    });

    it("answers an endpoint with the health its worker recorded", async () => {
      const { store, health, add } = make();
      const endpoint = endpointOf(newTenantId(), 1);
      await add(endpoint);

      await health.recordFailure(endpoint, AT);
      await health.markSlow(endpoint, AT);

      expect((await store.get(endpoint.tenant_id, endpoint.id))?.health).toEqual({
        ...HEALTHY,
        state: "slow",
        since: AT,
        consecutive_failures: 1,
      });
    });
  });

  describe("list", () => {
    it("lists a tenant's endpoints, each with its health, and no other tenant's", async () => {
      const { store, health, add } = make();
      const tenantId = newTenantId();
      const [a, b] = [endpointOf(tenantId, 1), endpointOf(tenantId, 2)] as const;
      await add(a);
      await add(b);
      await add(endpointOf(newTenantId(), 1));

      const failed = await health.recordFailure(b, AT);

      expect(byId(await store.list(tenantId))).toEqual(byId([a, { ...b, health: failed }]));
      expect(failed.consecutive_failures).toBe(1);
    });

    it("lists no endpoint for a tenant that has none", async () => {
      expect(await make().store.list(newTenantId())).toEqual([]);
    });
  });

  describe("disable", () => {
    it("disables an active endpoint once, as a write of a new version, keeping its health", async () => {
      const { store, health, add } = make();
      const endpoint = endpointOf(newTenantId(), 1);
      await add(endpoint);
      const failed = await health.recordFailure(endpoint, AT);

      const first = await store.disable(endpoint.tenant_id, endpoint.id, "delivery_failed", LATER);
      const second = await store.disable(
        endpoint.tenant_id,
        endpoint.id,
        "manual",
        "2026-03-02T13:00:00.000Z",
      );

      expect([first, second]).toEqual([true, false]);
      expect(await store.get(endpoint.tenant_id, endpoint.id)).toEqual({
        ...endpoint,
        is_active: false,
        disabled_reason: "delivery_failed",
        disabled_at: LATER,
        updated_at: LATER,
        // A tenant's write based on the endpoint as it was read before must fail stale.
        version: endpoint.version + 1,
        health: failed,
      });
    });

    it("answers false for an endpoint not stored", async () => {
      expect(await make().store.disable(newTenantId(), `wh_${randomUUID()}`, "manual", AT)).toBe(false);
    });
  });
}

export function webhookStoreContract(make: () => WebhookStoreUnderTest): void {
  endpointReadsContract(() => {
    const subject = make();
    return { ...subject, add: (endpoint) => insert(subject.store, endpoint) };
  });

  /** Inserts as webhook management does: under the URL's registrations as read just before. */
  async function insert(store: WebhookStore, endpoint: WebhookEndpoint, maxEndpoints = 50): Promise<void> {
    const registrations = await store.urlRegistrations(endpoint.tenant_id, endpoint.url);
    await store.insert(endpoint, { urlVersion: registrations?.version, maxEndpoints });
  }

  /** `after` at the next version, guarded as webhook management guards it. */
  const next = (before: WebhookEndpoint, fields: Partial<WebhookEndpoint>): WebhookEndpoint => ({
    ...before,
    ...fields,
    updated_at: LATER,
    version: before.version + 1,
  });
  const noUrls = { urlVersions: new Map<string, number | undefined>() };

  describe("urlRegistrations and insert", () => {
    it("registers each endpoint's events under its URL, a new version each time", async () => {
      const { store } = make();
      const tenantId = newTenantId();
      const a = endpointOf(tenantId, 1, { events: ["crm.lead.created"] });
      const b = endpointOf(tenantId, 2, { url: a.url, events: ["crm.lead.updated"] });

      const before = await store.urlRegistrations(tenantId, a.url);
      await insert(store, a);
      const afterA = await store.urlRegistrations(tenantId, a.url);
      await insert(store, b);

      expect(before).toBeUndefined();
      expect(afterA).toEqual({ version: 1, subscriptions: { [a.id]: a.events } });
      expect(await store.urlRegistrations(tenantId, a.url)).toEqual({
        version: 2,
        subscriptions: { [a.id]: a.events, [b.id]: b.events },
      });
      expect(await store.urlRegistrations(newTenantId(), a.url), "another tenant's").toBeUndefined();
    });

    it("refuses a slug the tenant holds already with SlugTakenError, writing nothing", async () => {
      const { store } = make();
      const tenantId = newTenantId();
      const a = endpointOf(tenantId, 1, { slug: "crm" });
      const b = endpointOf(tenantId, 2, { slug: "crm" });
      await insert(store, a);

      await expect(insert(store, b)).rejects.toThrow(SlugTakenError);

      expect(await store.get(tenantId, b.id)).toBeUndefined();
      expect(await store.urlRegistrations(tenantId, b.url)).toBeUndefined();
      await insert(store, endpointOf(newTenantId(), 1, { slug: "crm" }));
    });

    it("refuses an endpoint past the tenant's limit with EndpointLimitReachedError, writing nothing", async () => {
      const { store } = make();
      const tenantId = newTenantId();
      const [a, b, c] = [endpointOf(tenantId, 1), endpointOf(tenantId, 2), endpointOf(tenantId, 3)];
      await insert(store, a, 2);
      await insert(store, b, 2);

      await expect(insert(store, c, 2)).rejects.toThrow(EndpointLimitReachedError);

      expect(await store.get(tenantId, c.id)).toBeUndefined();
      expect(await store.urlRegistrations(tenantId, c.url)).toBeUndefined();
      await store.remove(a);
      await insert(store, c, 2);
      expect(await store.get(tenantId, c.id)).toEqual(c);
    });

    it("refuses an insert whose URL registrations changed since they were read with StaleWriteError", async () => {
      const { store } = make();
      const tenantId = newTenantId();
      const a = endpointOf(tenantId, 1);
      const b = endpointOf(tenantId, 2, { url: a.url, events: ["crm.lead.updated"] });
      const c = endpointOf(tenantId, 3, { url: a.url, events: ["crm.deal.won"] });
      await insert(store, a);
      await insert(store, b);

      const unread = store.insert(c, { urlVersion: undefined, maxEndpoints: 50 });
      await expect(unread).rejects.toThrow(StaleWriteError);
      const outdated = store.insert(c, { urlVersion: 1, maxEndpoints: 50 });
      await expect(outdated).rejects.toThrow(StaleWriteError);

      expect(await store.get(tenantId, c.id)).toBeUndefined();
      expect((await store.urlRegistrations(tenantId, a.url))?.version).toBe(2);
    });
  });

  describe("replace", () => {
    it("writes the endpoint while it is at the version read, and refuses a stale one with StaleWriteError", async () => {
      const { store } = make();
      const before = endpointOf(newTenantId(), 1);
      await insert(store, before);
      const after = next(before, { name: "Renamed", headers: {}, filter: null, description: null });

      await store.replace(before, after, noUrls);
      const stale = store.replace(before, next(before, { name: "Lost update" }), noUrls);

      await expect(stale).rejects.toThrow(StaleWriteError);
      expect(await store.get(before.tenant_id, before.id)).toEqual(after);
    });

    it("moves the slug: the old one is free again and the new one is held", async () => {
      const { store } = make();
      const tenantId = newTenantId();
      const before = endpointOf(tenantId, 1, { slug: "old" });
      await insert(store, before);

      await store.replace(before, next(before, { slug: "new" }), noUrls);

      await insert(store, endpointOf(tenantId, 2, { slug: "old" }));
      await expect(insert(store, endpointOf(tenantId, 3, { slug: "new" }))).rejects.toThrow(SlugTakenError);
    });

    it("refuses a slug another endpoint holds with SlugTakenError, changing nothing", async () => {
      const { store } = make();
      const tenantId = newTenantId();
      const a = endpointOf(tenantId, 1, { slug: "taken" });
      const b = endpointOf(tenantId, 2, { slug: "mine" });
      await insert(store, a);
      await insert(store, b);

      await expect(store.replace(b, next(b, { slug: "taken" }), noUrls)).rejects.toThrow(SlugTakenError);

      expect(await store.get(tenantId, b.id)).toEqual(b);
    });

    it("moves the registration from the old URL to the new one", async () => {
      const { store } = make();
      const before = endpointOf(newTenantId(), 1);
      await insert(store, before);
      const after = next(before, { url: `${before.url}/moved` });

      await store.replace(before, after, {
        urlVersions: new Map([
          [before.url, 1],
          [after.url, undefined],
        ]),
      });

      expect(await store.urlRegistrations(before.tenant_id, before.url)).toEqual({
        version: 2,
        subscriptions: {},
      });
      expect(await store.urlRegistrations(before.tenant_id, after.url)).toEqual({
        version: 1,
        subscriptions: { [before.id]: before.events },
      });
      expect(await store.get(before.tenant_id, before.id)).toEqual(after);
    });

    it("changes the events registered under a URL the guard names, and refuses a stale guard", async () => {
      const { store } = make();
      const before = endpointOf(newTenantId(), 1);
      await insert(store, before);
      const after = next(before, { events: ["crm.deal.won"] });

      const stale = store.replace(before, after, { urlVersions: new Map([[before.url, 7]]) });
      await expect(stale).rejects.toThrow(StaleWriteError);
      await store.replace(before, after, { urlVersions: new Map([[before.url, 1]]) });

      expect(await store.urlRegistrations(before.tenant_id, before.url)).toEqual({
        version: 2,
        subscriptions: { [before.id]: ["crm.deal.won"] },
      });
    });

    it("leaves the health its worker wrote, whatever health the endpoint written carries", async () => {
      const { store, health } = make();
      const before = endpointOf(newTenantId(), 1);
      await insert(store, before);
      const failed = await health.recordFailure(before, AT);

      await store.replace(before, next(before, { name: "Renamed", health: HEALTHY }), noUrls);

      expect((await store.get(before.tenant_id, before.id))?.health).toEqual(failed);
    });

    it("resets the health when asked, keeping where the last breaker's parked deliveries start", async () => {
      const { store, health } = make();
      const before = endpointOf(newTenantId(), 1);
      await insert(store, before);
      const parkedFrom = "msg_01JNKQ2E0000000000000000000";
      await health.recordFailure(before, AT);
      await health.openBreaker(before, { openedAt: AT, nextProbeAt: LATER, parkedFrom });
      await health.recordFailedProbe(before, AT, 1, null);

      await store.replace(before, next(before, { is_active: true }), { ...noUrls, resetHealth: true });

      expect((await store.get(before.tenant_id, before.id))?.health).toEqual({
        ...HEALTHY,
        opened_at: AT,
        parked_from: parkedFrom,
      });
    });

    it("refuses an endpoint removed since it was read with StaleWriteError", async () => {
      const { store } = make();
      const before = endpointOf(newTenantId(), 1);
      await insert(store, before);
      await store.remove(before);

      await expect(store.replace(before, next(before, { name: "Renamed" }), noUrls)).rejects.toThrow(
        StaleWriteError,
      );
      expect(await store.get(before.tenant_id, before.id)).toBeUndefined();
    });
  });

  describe("remove", () => {
    it("removes the endpoint with its slug, its URL registration, its health and its place in the limit", async () => {
      const { store, health } = make();
      const endpoint = endpointOf(newTenantId(), 1);
      await insert(store, endpoint, 1);
      await health.recordFailure(endpoint, AT);

      await store.remove(endpoint);

      expect(await store.get(endpoint.tenant_id, endpoint.id)).toBeUndefined();
      expect(await store.list(endpoint.tenant_id)).toEqual([]);
      expect(await store.urlRegistrations(endpoint.tenant_id, endpoint.url)).toEqual({
        version: 2,
        subscriptions: {},
      });
      // The same slug, within a limit of one, and no failure left over from before.
      await insert(store, endpoint, 1);
      expect((await store.get(endpoint.tenant_id, endpoint.id))?.health).toEqual(HEALTHY);
    });

    it("answers EndpointGoneError for an endpoint removed already", async () => {
      const { store } = make();
      const endpoint = endpointOf(newTenantId(), 1);
      await insert(store, endpoint);
      await store.remove(endpoint);

      await expect(store.remove(endpoint)).rejects.toThrow(EndpointGoneError);
    });
  });
}
