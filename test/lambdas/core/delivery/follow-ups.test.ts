import { describe, expect, it } from "vitest";
import { retryMessage } from "../../../../lambdas/core/delivery/follow-ups";
import type { ResendMessage } from "../../../../lambdas/core/queue-message";
import {
  deliveryWorld,
  failedAttempts,
  ok,
  openBreakerOf,
  openHealth,
  probeMessage,
  serverError,
  START,
  TENANT,
  timeout,
} from "./harness";

const resendOf = (d: { webhook_id: string; id: string; attempt_count: number }): ResendMessage => ({
  kind: "resend",
  tenant_id: TENANT,
  webhook_id: d.webhook_id,
  delivery_id: d.id,
  attempt: d.attempt_count + 1,
});

describe("a due retry", () => {
  it("is parked until the next probe when its endpoint's breaker is open, with no HTTP attempt", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    const opened = await openBreakerOf(world, hook);
    const [first] = world.deliveriesTo(hook.id);
    if (!first) throw new Error("no delivery");
    const sentBefore = world.sender.sent.length;
    world.advance(1000);

    // Act
    const result = await world.handle(retryMessage(first, 2));

    // Assess
    expect(result).toBe("done");
    expect(world.sender.sent).toHaveLength(sentBefore);
    expect(world.deliveriesTo(hook.id)[0]).toMatchObject({
      status: "parked",
      attempt_count: 1,
      next_attempt_at: opened.next_probe_at,
    });
    expect(world.metrics.outcomes.parked).toBe(1);
  });

  it("moves the breaker's parked_from back to a parked delivery older than it", async () => {
    // Prepare
    const world = deliveryWorld({ breakerThreshold: 3 });
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, serverError);
    await world.event(); // fails; its retry waits
    world.advance(5 * 60_000);
    await world.events(2); // the breaker opens five minutes after the first failure
    const [oldest] = world.deliveriesTo(hook.id);
    if (!oldest) throw new Error("no delivery");
    const parkedFromBefore = (await world.health(hook.id)).parked_from ?? "";
    expect(oldest.id < parkedFromBefore).toBe(true);

    // Act
    await world.handle(retryMessage(oldest, 2));

    // Assess
    expect(world.deliveriesTo(hook.id)[0]?.status).toBe("parked");
    expect((await world.health(hook.id)).parked_from).toBe(oldest.id);
  });

  it("leaves the breaker's parked_from where it is for a parked delivery newer than it", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    const opened = await openBreakerOf(world, hook);
    const newest = world.deliveriesTo(hook.id).at(-1);
    if (!newest) throw new Error("no delivery");

    // Act
    await world.handle(retryMessage(newest, 2));

    // Assess
    expect(world.deliveriesTo(hook.id).at(-1)?.status).toBe("parked");
    expect((await world.health(hook.id)).parked_from).toBe(opened.parked_from);
  });

  it("is sent by the probe and the drain after its breaker closes, once", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    await openBreakerOf(world, hook);
    world.advance(1000);
    await world.fireDue(); // the three retries are parked; probe 1 goes to the slow lane
    world.sender.answer(hook.url, ok);

    // Act
    await world.runSlowLane();

    // Assess
    expect(world.deliveriesTo(hook.id).map((d) => [d.status, d.attempt_count])).toEqual([
      ["succeeded", 2],
      ["succeeded", 2],
      ["succeeded", 2],
    ]);
    expect(world.sender.sent.slice(3).map((s) => s.attempt)).toEqual([2, 2, 2]);
  });

  it("is forwarded by the main lane to the slow lane when its endpoint is slow", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, timeout);
    await world.event();
    const [delivery] = world.deliveriesTo(hook.id);
    if (!delivery) throw new Error("no delivery");
    world.advance(1000);

    // Act
    await world.fireDue();

    // Assess
    expect(world.sender.sent).toHaveLength(1);
    expect(world.slowLane.messages).toEqual([{ message: retryMessage(delivery, 2), delaySeconds: 0 }]);
    expect(world.deliveriesTo(hook.id)[0]).toMatchObject({ status: "retrying", attempt_count: 1 });
  });

  it("is sent by the slow-lane worker when its endpoint is slow", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, timeout);
    await world.event();
    world.advance(1000);
    await world.fireDue();
    world.sender.answer(hook.url, ok);

    // Act
    await world.runSlowLane();

    // Assess
    expect(world.sender.sent.map((s) => s.attempt)).toEqual([1, 2]);
    expect(world.deliveriesTo(hook.id)[0]).toMatchObject({ status: "succeeded", attempt_count: 2 });
    expect((await world.health(hook.id)).state).toBe("healthy");
  });

  it("is cancelled, not sent, when its endpoint was disabled meanwhile", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, serverError);
    await world.event();
    await world.endpoints.disable(TENANT, hook.id, "manual", world.now().toISOString());
    world.advance(1000);

    // Act
    await world.fireDue();

    // Assess
    expect(world.sender.sent).toHaveLength(1);
    expect(world.deliveriesTo(hook.id)[0]).toMatchObject({ status: "cancelled", attempt_count: 1 });
  });
});

describe("a resend that recover queued", () => {
  it("is parked when the endpoint's breaker is open, with no HTTP attempt", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint({}, { is_active: false, disabled_reason: "manual", disabled_at: START });
    await world.event();
    const [skipped] = world.deliveriesTo(hook.id);
    if (!skipped) throw new Error("no delivery");
    const openedAt = world.now().toISOString();
    const nextProbeAt = new Date(Date.parse(openedAt) + 1000).toISOString();
    world.replaceEndpoint({
      ...(await world.endpoint(hook.id)),
      is_active: true,
      disabled_reason: null,
      disabled_at: null,
      health: openHealth(openedAt, { next_probe_at: nextProbeAt }),
    });

    // Act: the main lane hands it to the slow lane, which parks it.
    const result = await world.handle(resendOf(skipped));
    await world.runSlowLane();

    // Assess
    expect(result).toBe("done");
    expect(world.sender.sent).toEqual([]);
    expect(world.deliveriesTo(hook.id)[0]).toMatchObject({
      status: "parked",
      attempt_count: 0,
      next_attempt_at: nextProbeAt,
    });
  });

  it("is forwarded to the slow lane and sent there once, whatever the endpoint's health", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint({});
    const failed = await world.seedDelivery(hook, {
      status: "failed",
      attempt_count: 7,
      first_attempt_at: START,
      attempts: failedAttempts(START, 7),
    });

    // Act
    await world.handle(resendOf(failed));
    const forwarded = world.slowLane.messages.map((m) => m.message);
    await world.runSlowLane();

    // Assess
    expect(forwarded).toEqual([resendOf(failed)]);
    expect(world.sender.sent.map((s) => [s.deliveryId, s.attempt])).toEqual([[failed.id, 8]]);
    expect(world.deliveriesTo(hook.id)[0]).toMatchObject({ status: "succeeded", attempt_count: 8 });
  });

  it("that was parked and fails once in the drain does not disable the endpoint the probe just proved", async () => {
    // Prepare: two deliveries an earlier outage failed, resent while a new breaker is open.
    const world = deliveryWorld();
    const openedAt = "2026-02-15T09:59:00.000Z";
    const hook = world.addEndpoint(openHealth(openedAt));
    const [first, second] = [
      await world.seedDelivery(hook, {
        status: "failed",
        attempt_count: 7,
        first_attempt_at: START,
        attempts: failedAttempts(START, 7),
      }),
      await world.seedDelivery(hook, {
        status: "failed",
        attempt_count: 7,
        first_attempt_at: START,
        attempts: failedAttempts(START, 7),
      }),
    ];
    await world.handle(resendOf(first));
    await world.handle(resendOf(second));
    await world.runSlowLane();
    expect(world.deliveriesTo(hook.id).map((d) => d.status)).toEqual(["parked", "parked"]);
    world.sender.answer(hook.url, (sent) => (sent.deliveryId === first.id ? ok : serverError));

    // Act
    await world.handle(probeMessage(hook, openedAt, 1));
    await world.runSlowLane();

    // Assess
    expect(world.sender.sent.map((s) => [s.deliveryId, s.attempt])).toEqual([
      [first.id, 8],
      [second.id, 8],
    ]);
    expect(await world.endpoint(hook.id)).toMatchObject({ is_active: true, disabled_reason: null });
    expect(world.queue.published).toEqual([]);
  });
});
