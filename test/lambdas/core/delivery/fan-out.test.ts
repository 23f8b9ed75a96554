import { describe, expect, it } from "vitest";
import { HEALTHY } from "../../../../lambdas/core/webhook-endpoint";
import { deliveryWorld, openHealth } from "./harness";

/** Fan-out routes each endpoint's delivery by its health (docs/delivery.md): sent, handed to the slow lane, parked or skipped. */
describe("fan-out", () => {
  it("sends the delivery to a healthy endpoint inline on the main lane", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();

    // Act
    const result = await world.event();

    // Assess
    expect(result).toBe("done");
    const [delivery] = world.deliveriesTo(hook.id);
    expect(delivery).toMatchObject({ status: "succeeded", attempt_count: 1 });
    expect(world.sender.to(hook.url)).toEqual([
      expect.objectContaining({ deliveryId: delivery?.id, attempt: 1 }),
    ]);
    expect(world.slowLane.messages).toEqual([]);
  });

  it("writes nothing to the health of a healthy endpoint that answers fast", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();

    // Act
    await world.events(3);

    // Assess
    expect(world.sender.to(hook.url)).toHaveLength(3);
    expect(await world.health(hook.id)).toEqual(HEALTHY);
    expect((await world.health(hook.id)).since).toBeNull();
    expect(world.metrics.healthChanges).toEqual([]);
  });

  it("hands a slow endpoint's delivery to the slow lane as attempt 1 instead of sending it", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint({ state: "slow", since: "2026-02-15T09:00:00.000Z" });

    // Act
    await world.event();

    // Assess
    const [delivery] = world.deliveriesTo(hook.id);
    expect(world.sender.sent).toEqual([]);
    expect(delivery).toMatchObject({ status: "pending", attempt_count: 0 });
    expect(world.slowLane.messages).toEqual([
      {
        message: {
          kind: "retry",
          tenant_id: hook.tenant_id,
          webhook_id: hook.id,
          delivery_id: delivery?.id,
          attempt: 1,
        },
        delaySeconds: 0,
      },
    ]);
  });

  it("sends a slow endpoint's delivery from the slow-lane worker", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint({ state: "slow", since: "2026-02-15T09:00:00.000Z" });
    world.sender.answer(hook.url, { status: 200, duration_ms: 1500 });
    await world.event();

    // Act
    await world.runSlowLane();

    // Assess
    const [delivery] = world.deliveriesTo(hook.id);
    expect(delivery).toMatchObject({ status: "succeeded", attempt_count: 1 });
    expect(world.sender.to(hook.url)).toEqual([
      expect.objectContaining({ deliveryId: delivery?.id, attempt: 1 }),
    ]);
    expect((await world.health(hook.id)).state).toBe("slow");
  });

  it("does not hold a healthy endpoint's delivery back behind a slow one of the same event", async () => {
    // Prepare
    const world = deliveryWorld();
    const healthy = world.addEndpoint();
    const slow = world.addEndpoint({ state: "slow", since: "2026-02-15T09:00:00.000Z" });

    // Act
    await world.event();

    // Assess
    expect(world.sender.sent.map((s) => s.url)).toEqual([healthy.url]);
    expect(world.deliveriesTo(slow.id)[0]?.status).toBe("pending");
    expect(world.slowLane.messages).toHaveLength(1);
  });

  it("parks an open endpoint's delivery until its next probe, with no HTTP attempt", async () => {
    // Prepare
    const world = deliveryWorld();
    const openedAt = "2026-02-15T09:59:00.000Z";
    const hook = world.addEndpoint(openHealth(openedAt, { next_probe_at: "2026-02-15T09:59:01.000Z" }));

    // Act
    const result = await world.event();

    // Assess
    expect(result).toBe("done");
    expect(world.deliveriesTo(hook.id)).toEqual([
      expect.objectContaining({
        status: "parked",
        attempt_count: 0,
        next_attempt_at: "2026-02-15T09:59:01.000Z",
      }),
    ]);
    expect(world.sender.sent).toEqual([]);
    expect(world.slowLane.messages).toEqual([]);
    expect(world.scheduler.scheduled).toBe(0);
    expect(world.metrics.outcomes.parked).toBe(1);
  });

  it("records a disabled endpoint's delivery skipped, without sending it", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint(
      {},
      { is_active: false, disabled_reason: "manual", disabled_at: "2026-02-14T10:00:00.000Z" },
    );

    // Act
    await world.event();

    // Assess
    expect(world.deliveriesTo(hook.id)).toEqual([
      expect.objectContaining({ status: "skipped", attempt_count: 0 }),
    ]);
    expect(world.sender.sent).toEqual([]);
    expect(world.metrics.outcomes.skipped).toBe(1);
  });

  it("parks the deliveries of fifty open endpoints in the fan-out's own write, with nothing handed on", async () => {
    // Prepare
    const world = deliveryWorld();
    const openedAt = "2026-02-15T09:59:00.000Z";
    const hooks = Array.from({ length: 50 }, () => world.addEndpoint(openHealth(openedAt)));

    // Act
    await world.event();
    const handedOn = world.slowLane.messages.length;
    await world.runSlowLane();

    // Assess
    expect(handedOn).toBe(0);
    expect(world.sender.sent).toEqual([]);
    expect(hooks.map((h) => world.deliveriesTo(h.id)[0]?.status)).toEqual(Array(hooks.length).fill("parked"));
  });

  it("makes no delivery, not even a skipped one, for an endpoint whose filter keeps the event out", async () => {
    // Prepare
    const world = deliveryWorld();
    // The harness's events carry {"lead": {"n": 1}}, {"lead": {"n": 2}}, ...
    const firstOnly = world.addEndpoint({}, { filter: { "lead.n": [1] } });
    const disabled = world.addEndpoint(
      {},
      { filter: { "lead.n": [1] }, is_active: false, disabled_reason: "manual" },
    );
    const unfiltered = world.addEndpoint();

    // Act
    await world.events(2);

    // Assess
    expect(world.deliveriesTo(firstOnly.id)).toEqual([expect.objectContaining({ status: "succeeded" })]);
    expect(world.sender.to(firstOnly.url)).toHaveLength(1);
    expect(world.deliveriesTo(disabled.id)).toEqual([expect.objectContaining({ status: "skipped" })]);
    expect(world.deliveriesTo(unfiltered.id)).toHaveLength(2);
  });
});
