import { describe, expect, it } from "vitest";
import { drainPartSize, SWEEP_DELAY_SECONDS } from "../../../../lambdas/core/delivery/drain";
import type { Delivery } from "../../../../lambdas/core/delivery/model";
import type { DrainMessage } from "../../../../lambdas/core/queue-message";
import { type DeliveryWorld, deliveryWorld, ok, openWithParked, serverError, TENANT } from "./harness";

/** The harness drains at 20 a second: parts of 20. */
const DRAIN_PART_SIZE = drainPartSize(20);
const parkedOf = (world: DeliveryWorld, webhookId: string): Delivery[] =>
  world.deliveriesTo(webhookId).filter((d) => d.status === "parked");
const drainParts = (world: DeliveryWorld) =>
  world.slowLaneLog.filter((h): h is typeof h & { message: DrainMessage } => h.message.kind === "drain");

/**
 * An open endpoint with `parked` deliveries behind its breaker, whose probe 1 has just
 * succeeded: the breaker is closed and the first part of the drain waits on the slow lane.
 */
async function closedWithDrainQueued(world: DeliveryWorld, parked: number) {
  const { hook, openedAt } = await openWithParked(world, parked);
  world.sender.answer(hook.url, ok);
  await world.fireDue(); // probe 1, forwarded to the slow lane
  await world.runSlowLane(1); // the probe: it closes the breaker and queues the drain
  const toDrain = parkedOf(world, hook.id);
  return { hook, openedAt, toDrain, sentBefore: world.sender.sent.length };
}

describe("draining parked deliveries", () => {
  it("goes in parts of a second's worth chained through the slow lane, each held back to keep the pace", async () => {
    // Prepare
    const world = deliveryWorld({ drainRatePerSecond: 20 });
    const { hook, toDrain, sentBefore } = await closedWithDrainQueued(world, 2 * DRAIN_PART_SIZE + 5);
    expect(toDrain).toHaveLength(2 * DRAIN_PART_SIZE + 4);

    // Act
    await world.runSlowLane();

    // Assess
    const parts = drainParts(world);
    const first = parts[0]?.message.from;
    // Then a sweep from where the walk began, after the longest a worker holds a read.
    expect(parts.map((p) => p.message.from).slice(1)).toEqual([
      toDrain[DRAIN_PART_SIZE]?.id,
      toDrain[2 * DRAIN_PART_SIZE]?.id,
      first,
    ]);
    expect(parts.at(-1)?.message).toMatchObject({ sweep: true, start: first });
    // 20 deliveries a part at 20 a second: each part after the first waits out its second.
    expect(parts.map((p) => p.delaySeconds)).toEqual([0, 1, 1, SWEEP_DELAY_SECONDS]);
    const sent = world.sender.sent.slice(sentBefore);
    expect(sent.map((s) => s.deliveryId)).toEqual(toDrain.map((d) => d.id));
    const sentAt = [...new Set(sent.map((s) => s.at))];
    expect(sentAt.map((at) => sent.filter((s) => s.at === at).length)).toEqual([
      DRAIN_PART_SIZE,
      DRAIN_PART_SIZE,
      4,
    ]);
    expect(parkedOf(world, hook.id)).toEqual([]);
    expect((await world.health(hook.id)).parked_from).toBeNull();
  });

  it("holds the next part back at least a 429's Retry-After and starts it at the first unsent delivery", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, toDrain, sentBefore } = await closedWithDrainQueued(world, 12);
    const throttled = toDrain[2]?.id;
    world.sender.answer(hook.url, (sent) =>
      sent.deliveryId === throttled ? { status: 429, retry_after_ms: 30_000 } : ok,
    );

    // Act
    await world.runSlowLane(1);

    // Assess
    const sentInPart = world.sender.sent.slice(sentBefore).map((s) => s.deliveryId);
    expect(sentInPart).toEqual(toDrain.slice(0, sentInPart.length).map((d) => d.id));
    expect(sentInPart.length).toBeLessThan(toDrain.length);
    const [next] = world.slowLane.messages;
    expect(next?.message).toEqual({
      kind: "drain",
      tenant_id: TENANT,
      webhook_id: hook.id,
      mode: "send",
      from: toDrain[sentInPart.length]?.id,
      start: expect.any(String),
      not_before: expect.any(String),
    });
    expect(next?.delaySeconds).toBeGreaterThanOrEqual(30);
    expect(Date.parse(String((next?.message as { not_before?: string }).not_before))).toBeGreaterThanOrEqual(
      world.now().getTime() + 29_000,
    );
    expect(parkedOf(world, hook.id).map((d) => d.id)).toEqual(
      toDrain.slice(sentInPart.length).map((d) => d.id),
    );
  });

  it("loses none of a part a Retry-After cut short: the rest goes out in the next part", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, toDrain } = await closedWithDrainQueued(world, 12);
    const throttled = toDrain[2]?.id;
    let throttledAt = 0;
    world.sender.answer(hook.url, (sent) => {
      if (sent.deliveryId !== throttled || sent.attempt !== 1) return ok;
      throttledAt = Date.parse(sent.at);
      return { status: 429, retry_after_ms: 30_000 };
    });

    // Act
    await world.runSlowLane();
    world.advance(60_000);
    await world.fireDue();

    // Assess
    expect(
      world
        .deliveriesTo(hook.id)
        .slice(3)
        .map((d) => d.status),
    ).toEqual(Array(12).fill("succeeded"));
    const retry = world.scheduler.retries.find((r) => r.message.delivery_id === throttled);
    expect(retry?.at.getTime()).toBeGreaterThanOrEqual(throttledAt + 30_000);
  });

  it("waits out a Retry-After longer than SQS holds a message back before sending the rest", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, toDrain, sentBefore } = await closedWithDrainQueued(world, 12);
    const throttled = toDrain[2]?.id;
    let throttledAt = 0;
    world.sender.answer(hook.url, (sent) => {
      if (sent.deliveryId !== throttled || sent.attempt !== 1) return ok;
      throttledAt = Date.parse(sent.at);
      return { status: 503, retry_after_ms: 3_600_000 };
    });

    // Act
    await world.runSlowLane();

    // Assess
    const later = world.sender.sent.slice(sentBefore).filter((s) => Date.parse(s.at) > throttledAt);
    expect(later.length).toBeGreaterThan(0);
    for (const s of later) expect(Date.parse(s.at) - throttledAt).toBeGreaterThanOrEqual(3_600_000);
  });

  it("stops when the next part finds the breaker open again, leaving the rest parked for its probes", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, toDrain } = await closedWithDrainQueued(world, DRAIN_PART_SIZE + 10);
    await world.runSlowLane(1); // the first part: DRAIN_PART_SIZE sent
    world.sender.answer(hook.url, serverError);
    await world.events(3); // sent inline, as the breaker is closed: three failures open it again
    expect((await world.health(hook.id)).state).toBe("open");
    const sentBefore = world.sender.sent.length;

    // Act
    await world.runSlowLane();

    // Assess
    expect(world.sender.sent).toHaveLength(sentBefore);
    expect(world.slowLane.messages).toEqual([]);
    const rest = toDrain.slice(DRAIN_PART_SIZE);
    expect(parkedOf(world, hook.id).map((d) => d.id)).toEqual(rest.map((d) => d.id));
    // The new breaker's probes start where the drain stopped, or before.
    expect((await world.health(hook.id)).parked_from?.localeCompare(rest[0]?.id ?? "")).toBeLessThanOrEqual(
      0,
    );
  });

  it("sends nothing more of a part once its failures open the breaker again, leaving the rest parked", async () => {
    // Prepare
    const world = deliveryWorld({ breakerThreshold: 3 });
    const { hook, toDrain } = await closedWithDrainQueued(world, DRAIN_PART_SIZE + 1);
    const stateAtSend: string[] = [];
    world.sender.answer(hook.url, async () => {
      stateAtSend.push((await world.health(hook.id)).state);
      return serverError;
    });

    // Act
    await world.runSlowLane();

    // Assess
    expect((await world.health(hook.id)).state).toBe("open");
    expect(stateAtSend.filter((state) => state === "open")).toEqual([]);
    expect(parkedOf(world, hook.id)).toHaveLength(toDrain.length - stateAtSend.length);
  });

  it("cancels the parked deliveries of an endpoint deleted before its drain, in parts", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, toDrain, sentBefore } = await closedWithDrainQueued(world, DRAIN_PART_SIZE + 5);
    world.endpoints.remove(TENANT, hook.id);

    // Act
    await world.runSlowLane();

    // Assess
    expect(world.sender.sent).toHaveLength(sentBefore);
    expect(
      world
        .deliveriesTo(hook.id)
        .filter((d) => toDrain.some((p) => p.id === d.id))
        .map((d) => d.status),
    ).toEqual(Array(toDrain.length).fill("cancelled"));
    expect(drainParts(world).map((p) => [p.message.mode, p.delaySeconds, p.message.sweep ?? false])).toEqual([
      ["send", 0, false],
      ["cancel", 0, false],
      ["cancel", SWEEP_DELAY_SECONDS, true],
    ]);
  });

  it("skips the parked deliveries of an endpoint disabled before its drain", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, toDrain, sentBefore } = await closedWithDrainQueued(world, 4);
    await world.endpoints.disable(TENANT, hook.id, "manual", world.now().toISOString());

    // Act
    await world.runSlowLane();

    // Assess
    expect(world.sender.sent).toHaveLength(sentBefore);
    expect(
      world
        .deliveriesTo(hook.id)
        .slice(-toDrain.length)
        .map((d) => d.status),
    ).toEqual(Array(toDrain.length).fill("skipped"));
  });
});
