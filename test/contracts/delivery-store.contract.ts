/**
 * @module The DeliveryStore contract (lambdas/core/delivery/ports.ts): one suite that every
 * implementation passes, the DynamoDB adapter and the bench's in-memory store alike, so the
 * bench and the core's unit tests take the paths production takes. Production is the
 * reference: where the in-memory store disagrees, it is the one to change.
 *
 * Times the port takes (`now`, `leaseUntil`) are given on a fixed clock; the idempotency window,
 * which a store compares with its own clock, is set a day in the past or the future instead of
 * waiting for it. One file, over the usual size, because it is one port's promises in the port's
 * order: a second implementation's author reads what to keep in one place.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type StoredEvent,
} from "../../lambdas/core/delivery/model";
import type {
  ClaimFrom,
  DeliveryStore,
  DeliveryUpdate,
  FanOutWrite,
} from "../../lambdas/core/delivery/ports";
import { ulid } from "../../lambdas/core/ulid";
import { pendingDelivery } from "../support/delivery";

/** A fresh store for each test (one over a shared table is fine: every test uses ids of its own). */
export type MakeDeliveryStore = () => DeliveryStore;

const T0 = Date.parse("2026-03-02T12:00:00.000Z");
/** `at(20)`: 20 s after the fixed start of every lease in this suite. */
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const windowOpen = () => new Date(Date.now() + 86_400_000);
const windowOver = () => new Date(Date.now() - 86_400_000);

const refsOf = (deliveries: readonly Delivery[]) =>
  deliveries.map((d) => ({ webhook_id: d.webhook_id, delivery_id: d.id }));

/** An event of a fresh tenant and its deliveries, one per status, each to an endpoint of its own. */
function fanOut(statuses: readonly DeliveryStatus[], data: unknown = { lead: { score: 7 } }) {
  const tenant_id = `contract-${randomUUID()}`;
  const event_id = `evt_${randomUUID()}`;
  const deliveries = statuses.map((status) =>
    pendingDelivery({
      tenant_id,
      event_id,
      webhook_id: randomUUID(),
      status,
      next_attempt_at: status === "parked" ? at(300).toISOString() : null,
    }),
  );
  const event: StoredEvent = {
    tenant_id,
    id: event_id,
    type: "crm.lead.created",
    created_at: at(0).toISOString(),
    data,
    deliveries: refsOf(deliveries),
  };
  return { event, deliveries };
}

/** The write of a worker's own fan-out: it sends `leased` itself, under a lease until `leaseUntil`. */
const write = (
  leased: readonly Delivery[],
  leaseUntil = at(20),
  idempotentUntil = windowOpen(),
): FanOutWrite => ({
  idempotentUntil,
  leaseUntil,
  leased: new Set(leased.map((d) => d.id)),
});

const attempt = (number: number, status_code = 200): DeliveryAttempt => ({
  number,
  attempted_at: at(number).toISOString(),
  status_code,
  error: null,
  duration_ms: 12,
  response_body: status_code === 200 ? "ok" : "unavailable",
});

const update = (status: DeliveryStatus, next_attempt_at: string | null = null): DeliveryUpdate => ({
  status,
  next_attempt_at,
  first_attempt_at: at(0).toISOString(),
  updated_at: at(1).toISOString(),
});

/** A delivery as earlier steps left it: `attempts` attempts made, now `status`. */
function delivery(
  status: DeliveryStatus,
  attempts = status === "pending" || status === "skipped" ? 0 : 1,
): Delivery {
  const made = Array.from({ length: attempts }, (_, i) => attempt(i + 1, 500));
  return pendingDelivery({
    tenant_id: `contract-${randomUUID()}`,
    webhook_id: randomUUID(),
    status,
    attempt_count: attempts,
    attempts: made,
    first_attempt_at: attempts > 0 ? at(0).toISOString() : null,
    next_attempt_at: status === "retrying" || status === "parked" ? at(300).toISOString() : null,
  });
}

export function deliveryStoreContract(make: MakeDeliveryStore): void {
  /** A store holding `deliveries`, written as a fan-out writes those it does not send itself. */
  async function holding(...deliveries: Delivery[]) {
    const store = make();
    await store.recordDeliveries(deliveries);
    return store;
  }

  const read = (store: DeliveryStore, d: Delivery) => store.getDelivery(d.webhook_id, d.id);

  describe("recordFanOut", () => {
    it("records an event once, with the refs of all its deliveries, and answers the caller's lease", async () => {
      const store = make();
      const { event, deliveries } = fanOut(["pending", "skipped"]);

      const recorded = await store.recordFanOut(event, deliveries, write(deliveries.slice(0, 1)));

      expect(recorded).toEqual({ recorded: true, lease: expect.any(String) });
      expect(await store.getEvent(event.tenant_id, event.id)).toEqual(event);
    });

    it("answers a duplicate within the window with the event stored, its refs and data, and writes nothing", async () => {
      const store = make();
      const first = fanOut(["pending", "skipped"]);
      await store.recordFanOut(first.event, first.deliveries, write(first.deliveries.slice(0, 1)));
      const other = fanOut(["pending", "skipped"], { lead: { score: 8 } });
      const again = { ...other.event, tenant_id: first.event.tenant_id, id: first.event.id };
      const againDeliveries = other.deliveries.map((d) => ({
        ...d,
        tenant_id: again.tenant_id,
        event_id: again.id,
      }));

      const duplicate = await store.recordFanOut(again, againDeliveries, write(againDeliveries.slice(0, 1)));

      expect(duplicate).toEqual({ recorded: false, existing: first.event });
      expect(await store.getEvent(first.event.tenant_id, first.event.id)).toEqual(first.event);
      expect(
        await read(store, againDeliveries[1] as Delivery),
        "the duplicate's skipped delivery",
      ).toBeUndefined();
      expect(await read(store, first.deliveries[1] as Delivery)).toEqual(first.deliveries[1]);
    });

    it("records the same event id again once its window is over", async () => {
      const store = make();
      const first = fanOut(["skipped"]);
      await store.recordFanOut(first.event, first.deliveries, write([], at(20), windowOver()));
      const later = fanOut(["skipped"], { lead: { score: 9 } });
      const again = { ...later.event, tenant_id: first.event.tenant_id, id: first.event.id };
      const againDeliveries = later.deliveries.map((d) => ({
        ...d,
        tenant_id: again.tenant_id,
        event_id: again.id,
      }));

      const recorded = await store.recordFanOut(again, againDeliveries, write([]));

      expect(recorded.recorded).toBe(true);
      expect(await store.getEvent(again.tenant_id, again.id)).toEqual(again);
      expect(await read(store, againDeliveries[0] as Delivery)).toEqual(againDeliveries[0]);
    });

    it("keeps the same event id of another tenant apart", async () => {
      const store = make();
      const first = fanOut(["skipped"]);
      const second = fanOut(["skipped"], { lead: { score: 1 } });
      const sameId = { ...second.event, id: first.event.id };
      const sameIdDeliveries = second.deliveries.map((d) => ({ ...d, event_id: first.event.id }));
      await store.recordFanOut(first.event, first.deliveries, write([]));

      const recorded = await store.recordFanOut(sameId, sameIdDeliveries, write([]));

      expect(recorded.recorded).toBe(true);
      expect(await store.getEvent(sameId.tenant_id, sameId.id)).toEqual(sameId);
      expect(await store.getEvent(first.event.tenant_id, first.event.id)).toEqual(first.event);
    });

    it("writes the deliveries it does not lease at once, and leaves the leased ones to their first attempt", async () => {
      const store = make();
      // Sent by this run; skipped (endpoint disabled); parked (breaker open); for the slow lane.
      const { event, deliveries } = fanOut(["pending", "skipped", "parked", "pending"]);
      const [sent, skipped, parked, slow] = deliveries as [Delivery, Delivery, Delivery, Delivery];

      await store.recordFanOut(event, deliveries, write([sent]));

      expect(await read(store, sent)).toBeUndefined();
      expect(await read(store, skipped)).toEqual(skipped);
      expect(await read(store, parked)).toEqual(parked);
      expect(await read(store, slow)).toEqual(slow);
    });

    it("records an event that fans out to no endpoint, with no refs", async () => {
      const store = make();
      const { event } = fanOut([]);

      const recorded = await store.recordFanOut(event, [], write([]));

      expect(recorded.recorded).toBe(true);
      expect(await store.getEvent(event.tenant_id, event.id)).toEqual({ ...event, deliveries: [] });
    });
  });

  describe("claimFanOut", () => {
    it("takes an event's lease over once it has expired, then holds it until its own expires", async () => {
      const store = make();
      const { event, deliveries } = fanOut(["pending"]);
      await store.recordFanOut(event, deliveries, write(deliveries, at(20)));

      const whileLive = await store.claimFanOut(event, at(60), at(10));
      const atItsLastMillisecond = await store.claimFanOut(event, at(60), at(20));
      const afterIt = await store.claimFanOut(event, at(60), new Date(at(20).getTime() + 1));
      const whileTheNewOneIsLive = await store.claimFanOut(event, at(100), at(30));
      const afterTheNewOne = await store.claimFanOut(event, at(100), at(61));

      expect([whileLive, atItsLastMillisecond, afterIt, whileTheNewOneIsLive, afterTheNewOne]).toEqual([
        false,
        false,
        true,
        false,
        true,
      ]);
    });

    it("does not claim an event that is not stored", async () => {
      const { event } = fanOut(["pending"]);

      expect(await make().claimFanOut(event, at(60), at(30))).toBe(false);
    });
  });

  describe("recordDeliveries", () => {
    it("writes deliveries not stored yet and leaves one stored already as it is", async () => {
      const stored = delivery("pending");
      const fresh = delivery("skipped");
      const store = await holding(stored);

      await store.recordDeliveries([{ ...stored, status: "skipped" }, fresh]);

      expect(await read(store, stored)).toEqual(stored);
      expect(await read(store, fresh)).toEqual(fresh);
    });

    it("leaves a delivery its first attempt wrote as it is (a resuming run writes it pending)", async () => {
      const store = make();
      const { event, deliveries } = fanOut(["pending"]);
      const [sent] = deliveries as [Delivery];
      await store.recordFanOut(event, deliveries, write(deliveries));
      await store.recordFirstAttempt(sent, attempt(1), update("succeeded"));

      await store.recordDeliveries([sent]);

      expect(await read(store, sent)).toMatchObject({
        status: "succeeded",
        attempt_count: 1,
        attempts: [attempt(1)],
      });
    });
  });

  describe("recordFirstAttempt", () => {
    it("writes a leased delivery whole with its first attempt, once", async () => {
      const store = make();
      const { event, deliveries } = fanOut(["pending"]);
      const [sent] = deliveries as [Delivery];
      await store.recordFanOut(event, deliveries, write(deliveries));
      const retrying = update("retrying", at(60).toISOString());

      const first = await store.recordFirstAttempt(sent, attempt(1, 500), retrying);
      const second = await store.recordFirstAttempt(sent, attempt(1), update("succeeded"));

      expect([first, second]).toEqual([true, false]);
      expect(await read(store, sent)).toEqual({
        ...sent,
        ...retrying,
        attempt_count: 1,
        attempts: [attempt(1, 500)],
      });
    });

    it("answers false for a delivery that a run which took the fan-out over wrote first", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);

      const recorded = await store.recordFirstAttempt(pending, attempt(1), update("succeeded"));

      expect(recorded).toBe(false);
      expect(await read(store, pending)).toEqual(pending);
    });

    it("leaves no lease on the delivery: its next attempt can be claimed at once", async () => {
      const store = make();
      const { event, deliveries } = fanOut(["pending"]);
      const [sent] = deliveries as [Delivery];
      await store.recordFanOut(event, deliveries, write(deliveries, at(20)));
      await store.recordFirstAttempt(sent, attempt(1, 500), update("retrying", at(5).toISOString()));

      const claim = await store.claimAttempt(sent, 2, at(30), at(5));

      expect(claim).toEqual({ claimed: true, lease: expect.any(String) });
    });
  });

  describe("getEvent", () => {
    it("keeps the data as the producer sent it: nested, unicode, and key order", async () => {
      const store = make();
      const data = {
        zeta: 1,
        alpha: { ç: "Conformância 🚀 日本", nested: [1, { b: null, a: true }], "": "empty key" },
        small: 1.5e-7,
        largest: 2 ** 53 - 1,
        list: [],
      };
      const { event } = fanOut([], data);
      await store.recordFanOut(event, [], write([]));

      const stored = await store.getEvent(event.tenant_id, event.id);

      expect(stored?.data).toEqual(data);
      expect(JSON.stringify(stored?.data), "the same bytes, keys in the same order").toBe(
        JSON.stringify(data),
      );
    });

    it("keeps data over 400 bytes as it was sent", async () => {
      const store = make();
      const data = {
        notes: "Met at the São Paulo trade fair; wants a quote for 40 seats. ".repeat(60),
        rows: Array.from({ length: 200 }, (_, i) => ({ i, id: randomUUID() })),
      };
      const { event } = fanOut([], data);
      await store.recordFanOut(event, [], write([]));

      const stored = await store.getEvent(event.tenant_id, event.id);

      expect(JSON.stringify(data).length).toBeGreaterThan(10_000);
      expect(JSON.stringify(stored?.data)).toBe(JSON.stringify(data));
    });

    it("answers undefined for an event not stored, or stored for another tenant", async () => {
      const store = make();
      const { event } = fanOut([]);
      await store.recordFanOut(event, [], write([]));

      expect(await store.getEvent(event.tenant_id, `evt_${randomUUID()}`)).toBeUndefined();
      expect(await store.getEvent(`contract-${randomUUID()}`, event.id)).toBeUndefined();
    });
  });

  describe("getDelivery", () => {
    it("answers a delivery as it was written, without its lease", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);
      await store.claimAttempt(pending, 1, at(20), at(0));

      expect(await read(store, pending)).toEqual(pending);
    });

    it("answers undefined for a delivery not stored, or stored for another endpoint", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);

      expect(await store.getDelivery(pending.webhook_id, `msg_${ulid()}`)).toBeUndefined();
      expect(await store.getDelivery(randomUUID(), pending.id)).toBeUndefined();
    });
  });

  describe("claimAttempt", () => {
    const claimable: Record<ClaimFrom, readonly DeliveryStatus[]> = {
      open: ["pending", "retrying"],
      parked: ["parked"],
      // An operator's resend: whatever the delivery's state, a failed or succeeded one too.
      any: DELIVERY_STATUSES,
    };

    it.each(Object.keys(claimable) as ClaimFrom[])(
      "from %s, claims the statuses it allows and no other",
      async (from) => {
        const outcomes: Record<string, string> = {};
        const expected: Record<string, string> = {};
        for (const status of DELIVERY_STATUSES) {
          const d = delivery(status);
          const store = await holding(d);
          const claim = await store.claimAttempt(d, d.attempt_count + 1, at(20), at(0), from);
          outcomes[status] = claim.claimed ? "claimed" : claim.reason;
          expected[status] = claimable[from].includes(status) ? "claimed" : "moved_on";
        }

        expect(outcomes).toEqual(expected);
      },
    );

    it("claims only the attempt after those made", async () => {
      const retrying = delivery("retrying", 1);
      const store = await holding(retrying);

      const again = await store.claimAttempt(retrying, 1, at(20), at(0));
      const skippingOne = await store.claimAttempt(retrying, 3, at(20), at(0));
      const next = await store.claimAttempt(retrying, 2, at(20), at(0));

      expect(again).toEqual({ claimed: false, reason: "moved_on" });
      expect(skippingOne).toEqual({ claimed: false, reason: "moved_on" });
      expect(next).toEqual({ claimed: true, lease: expect.any(String) });
    });

    it("is refused as leased while another claim's lease is live, to its last millisecond, and taken after", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);

      const first = await store.claimAttempt(pending, 1, at(20), at(0));
      const whileLive = await store.claimAttempt(pending, 1, at(30), at(10));
      const atItsLastMillisecond = await store.claimAttempt(pending, 1, at(40), at(20));
      const afterIt = await store.claimAttempt(pending, 1, at(41), new Date(at(20).getTime() + 1));

      expect(first.claimed).toBe(true);
      expect(whileLive).toEqual({ claimed: false, reason: "leased" });
      expect(atItsLastMillisecond).toEqual({ claimed: false, reason: "leased" });
      expect(afterIt).toEqual({ claimed: true, lease: expect.any(String) });
      if (first.claimed && afterIt.claimed) expect(afterIt.lease).not.toBe(first.lease);
    });

    it("answers moved_on, not leased, once the attempt is recorded or the delivery left `from`", async () => {
      const pending = delivery("pending");
      const parked = delivery("parked", 0);
      const store = await holding(pending, parked);
      const claim = await store.claimAttempt(pending, 1, at(20), at(0));
      if (!claim.claimed) throw new Error("the first claim is taken");
      await store.recordAttempt(pending, claim.lease, attempt(1), update("succeeded"));
      await store.claimAttempt(parked, 1, at(20), at(0), "parked");

      const recorded = await store.claimAttempt(pending, 1, at(30), at(10));
      const leasedButParked = await store.claimAttempt(parked, 1, at(30), at(10), "open");

      expect(recorded).toEqual({ claimed: false, reason: "moved_on" });
      expect(leasedButParked).toEqual({ claimed: false, reason: "moved_on" });
    });

    it("answers moved_on for a delivery not stored", async () => {
      expect(await make().claimAttempt(delivery("pending"), 1, at(20), at(0))).toEqual({
        claimed: false,
        reason: "moved_on",
      });
    });
  });

  describe("recordAttempt", () => {
    it("appends the attempt and sets the delivery's state, under the claim's lease", async () => {
      const retrying = delivery("retrying", 1);
      const store = await holding(retrying);
      const claim = await store.claimAttempt(retrying, 2, at(20), at(0));
      if (!claim.claimed) throw new Error("the claim is taken");
      const after = update("retrying", at(120).toISOString());

      const recorded = await store.recordAttempt(retrying, claim.lease, attempt(2, 500), after);

      expect(recorded).toBe(true);
      expect(await read(store, retrying)).toEqual({
        ...retrying,
        ...after,
        attempt_count: 2,
        attempts: [...retrying.attempts, attempt(2, 500)],
      });
    });

    it("releases the lease: the next attempt can be claimed at once", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);
      const claim = await store.claimAttempt(pending, 1, at(20), at(0));
      if (!claim.claimed) throw new Error("the claim is taken");
      await store.recordAttempt(
        pending,
        claim.lease,
        attempt(1, 500),
        update("retrying", at(5).toISOString()),
      );

      expect((await store.claimAttempt(pending, 2, at(30), at(5))).claimed).toBe(true);
    });

    it("refuses a lease another worker took over, and changes nothing", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);
      const dead = await store.claimAttempt(pending, 1, at(20), at(0));
      const taker = await store.claimAttempt(pending, 1, at(41), at(21));
      if (!dead.claimed || !taker.claimed) throw new Error("both claims are taken");

      const late = await store.recordAttempt(pending, dead.lease, attempt(1, 500), update("retrying"));
      const kept = await store.recordAttempt(pending, taker.lease, attempt(1), update("succeeded"));

      expect([late, kept]).toEqual([false, true]);
      expect(await read(store, pending)).toMatchObject({ status: "succeeded", attempts: [attempt(1)] });
    });

    it("refuses a lease that has recorded its attempt already, or one never claimed", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);
      const claim = await store.claimAttempt(pending, 1, at(20), at(0));
      if (!claim.claimed) throw new Error("the claim is taken");
      await store.recordAttempt(pending, claim.lease, attempt(1), update("succeeded"));

      const twice = await store.recordAttempt(pending, claim.lease, attempt(2), update("succeeded"));
      const unclaimed = await store.recordAttempt(pending, randomUUID(), attempt(2), update("succeeded"));

      expect([twice, unclaimed]).toEqual([false, false]);
      expect(await read(store, pending)).toMatchObject({ attempt_count: 1, attempts: [attempt(1)] });
    });

    it("records under an expired lease that no other worker took", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);
      const claim = await store.claimAttempt(pending, 1, at(20), at(0));
      if (!claim.claimed) throw new Error("the claim is taken");

      expect(await store.recordAttempt(pending, claim.lease, attempt(1), update("succeeded"))).toBe(true);
    });
  });

  describe("close", () => {
    it.each(["skipped", "cancelled"] as const)(
      "ends a pending, retrying or parked delivery %s",
      async (status) => {
        const unfinished = (["pending", "retrying", "parked"] as const).map((s) => delivery(s));
        const store = await holding(...unfinished);

        for (const d of unfinished) await store.close(d, status, at(50).toISOString());

        for (const d of unfinished) {
          expect(await read(store, d)).toEqual({
            ...d,
            status,
            next_attempt_at: null,
            updated_at: at(50).toISOString(),
          });
        }
      },
    );

    it("leaves a finished delivery as it is", async () => {
      const finished = (["succeeded", "failed", "skipped", "cancelled"] as const).map((s) => delivery(s));
      const store = await holding(...finished);

      for (const d of finished) await store.close(d, "cancelled", at(50).toISOString());

      for (const d of finished) expect(await read(store, d)).toEqual(d);
    });

    it("leaves a delivery that made an attempt since it was read", async () => {
      const readAt0 = delivery("pending");
      const now = { ...readAt0, status: "retrying" as const, attempt_count: 1, attempts: [attempt(1, 500)] };
      const store = await holding(now);

      await store.close(readAt0, "skipped", at(50).toISOString());

      expect(await read(store, now)).toEqual(now);
    });

    it("writes nothing for a delivery not stored", async () => {
      const store = make();
      const missing = delivery("pending");

      await store.close(missing, "skipped", at(50).toISOString());

      expect(await read(store, missing)).toBeUndefined();
    });
  });

  describe("park", () => {
    const parkAt = (seconds: number) => ({
      nextAttemptAt: at(600).toISOString(),
      updatedAt: at(seconds).toISOString(),
      now: at(seconds),
    });

    it("parks a due delivery (pending, retrying, parked) or one being resent (failed, skipped)", async () => {
      const due = (["pending", "retrying", "parked", "failed", "skipped"] as const).map((s) => delivery(s));
      const store = await holding(...due);

      const outcomes = [];
      for (const d of due) outcomes.push(await store.park(d, parkAt(5)));

      expect(outcomes).toEqual(due.map(() => "parked"));
      for (const d of due) {
        expect(await read(store, d)).toEqual({
          ...d,
          status: "parked",
          next_attempt_at: at(600).toISOString(),
          updated_at: at(5).toISOString(),
        });
      }
    });

    it("answers moved_on for a delivery that succeeded or was cancelled, and leaves it", async () => {
      const ended = (["succeeded", "cancelled"] as const).map((s) => delivery(s));
      const store = await holding(...ended);

      for (const d of ended) expect(await store.park(d, parkAt(5))).toBe("moved_on");

      for (const d of ended) expect(await read(store, d)).toEqual(d);
    });

    it("answers moved_on while a live lease holds the delivery, and parks it once the lease has expired", async () => {
      const pending = delivery("pending");
      const store = await holding(pending);
      await store.claimAttempt(pending, 1, at(20), at(0));

      const whileLeased = await store.park(pending, parkAt(20));
      const statusWhileLeased = (await read(store, pending))?.status;
      const afterwards = await store.park(pending, parkAt(21));

      expect(whileLeased).toBe("moved_on");
      expect(statusWhileLeased).toBe("pending");
      expect(afterwards).toBe("parked");
    });

    it("answers moved_on for a delivery that made an attempt since it was read, or one not stored", async () => {
      const readAt0 = delivery("pending");
      const now = { ...readAt0, status: "retrying" as const, attempt_count: 1, attempts: [attempt(1, 500)] };
      const missing = delivery("pending");
      const store = await holding(now);

      expect(await store.park(readAt0, parkAt(5))).toBe("moved_on");
      expect(await store.park(missing, parkAt(5))).toBe("moved_on");
      expect(await read(store, now)).toEqual(now);
      expect(await read(store, missing)).toBeUndefined();
    });
  });

  describe("listParked", () => {
    /** One endpoint's deliveries made a millisecond apart, by status; and another endpoint's parked one. */
    async function parkedLog(statuses: readonly DeliveryStatus[]) {
      const webhookId = randomUUID();
      const made = statuses.map((status, i) => ({
        ...delivery(status),
        webhook_id: webhookId,
        id: `msg_${ulid(T0 + i)}`,
      }));
      const elsewhere = { ...delivery("parked"), id: `msg_${ulid(T0 + 2)}` };
      const store = await holding(...made, elsewhere);
      return { store, webhookId, made };
    }

    /** Every page from `from` on, as a drain walks them. */
    async function walk(store: DeliveryStore, webhookId: string, from: string, limit: number) {
      const pages = [];
      for (let next: string | undefined = from; next !== undefined;) {
        const page = await store.listParked(webhookId, next, limit);
        pages.push(page);
        next = page.next;
        if (pages.length > 20) throw new Error("listParked never ends");
      }
      return pages;
    }

    it("lists an endpoint's parked deliveries oldest first, from `from` on (inclusive), a limit at a time", async () => {
      const statuses = ["parked", "pending", "parked", "parked", "succeeded", "parked", "parked"] as const;
      const { store, webhookId, made } = await parkedLog(statuses);

      const pages = await walk(store, webhookId, made[2]?.id ?? "", 2);

      expect(pages.flatMap((p) => p.items)).toEqual([made[2], made[3], made[5], made[6]]);
      expect(pages.every((p) => p.items.length <= 2)).toBe(true);
      expect(pages[0]?.next, "a full page says where the next starts").toBeDefined();
    });

    it("answers no next when no delivery after the page is parked", async () => {
      const { store, webhookId, made } = await parkedLog(["parked", "parked", "failed"]);

      const page = await store.listParked(webhookId, made[0]?.id ?? "", 2);

      expect(page).toEqual({ items: [made[0], made[1]] });
    });
  });
}
