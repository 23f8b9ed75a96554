import { describe, expect, it } from "vitest";
import {
  deliveryWorld,
  ok,
  openBreakerOf,
  openWithParked,
  probeMessage,
  serverError,
  TENANT,
  timeout,
} from "./harness";

const at = (iso: string, plusMs: number) => new Date(Date.parse(iso) + plusMs);

describe("endpoint health after an attempt", () => {
  it("moves an endpoint to the slow lane when an attempt times out", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, timeout);

    // Act
    await world.event();

    // Assess
    expect(await world.health(hook.id)).toMatchObject({
      state: "slow",
      since: world.now().toISOString(),
      consecutive_failures: 1,
    });
    expect(world.metrics.healthChanges).toEqual(["slow"]);
  });

  it("makes a slow endpoint healthy again once it answers fast", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, timeout);
    await world.event();
    world.sender.answer(hook.url, ok);

    // Act
    await world.event();
    await world.runSlowLane();

    // Assess
    expect(await world.health(hook.id)).toMatchObject({ state: "healthy", consecutive_failures: 0 });
    expect(world.deliveriesTo(hook.id).map((d) => d.status)).toEqual(["retrying", "succeeded"]);
  });

  it("opens the breaker after `threshold` consecutive failures and schedules exactly one probe, probe 1", async () => {
    // Prepare
    const world = deliveryWorld({ breakerThreshold: 3 });
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, serverError);

    // Act
    await world.events(3);

    // Assess
    const health = await world.health(hook.id);
    const openedAt = world.now().toISOString();
    expect(health).toMatchObject({ state: "open", opened_at: openedAt, probes: 0, next_probe_at: openedAt });
    expect(world.scheduler.probes).toEqual([
      {
        message: { kind: "probe", tenant_id: TENANT, webhook_id: hook.id, opened_at: openedAt, probe: 1 },
        at: new Date(openedAt),
      },
    ]);
    expect(world.metrics.healthChanges).toEqual(["open"]);
  });

  it("does not open the breaker below the threshold", async () => {
    // Prepare
    const world = deliveryWorld({ breakerThreshold: 3 });
    const hook = world.addEndpoint();
    world.sender.answer(hook.url, serverError);

    // Act
    await world.events(2);

    // Assess
    expect(await world.health(hook.id)).toMatchObject({ state: "healthy", consecutive_failures: 2 });
    expect(world.scheduler.probes).toEqual([]);
  });

  it("parks further events with no HTTP attempt once the breaker is open", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    const opened = await openBreakerOf(world, hook);
    const sentBefore = world.sender.sent.length;

    // Act
    await world.events(2);

    // Assess
    expect(world.sender.sent).toHaveLength(sentBefore);
    expect(world.deliveriesTo(hook.id).slice(3)).toEqual([
      expect.objectContaining({ status: "parked", attempt_count: 0, next_attempt_at: opened.next_probe_at }),
      expect.objectContaining({ status: "parked", attempt_count: 0, next_attempt_at: opened.next_probe_at }),
    ]);
  });

  it("costs 100 events to an open endpoint no sender call and no schedule", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    await openBreakerOf(world, hook);
    const sentBefore = world.sender.sent.length;
    const scheduledBefore = world.scheduler.scheduled;

    // Act
    await world.events(100);

    // Assess
    expect(world.sender.sent.length - sentBefore).toBe(0);
    expect(world.scheduler.scheduled - scheduledBefore).toBe(0);
    expect(world.slowLane.messages).toEqual([]);
    expect(world.deliveriesTo(hook.id).filter((d) => d.status === "parked")).toHaveLength(100);
  });

  it("counts slow failures toward the breaker too, from the slow lane", async () => {
    // Prepare
    const world = deliveryWorld({ breakerThreshold: 3 });
    const hook = world.addEndpoint();

    // Act
    const health = await openBreakerOf(world, hook, timeout);

    // Assess
    expect(health.state).toBe("open");
    expect(world.sender.to(hook.url)).toHaveLength(3);
    expect(world.scheduler.probes.map((p) => p.message.probe)).toEqual([1]);
  });
});

describe("probes of an open breaker", () => {
  it("schedules the next probe at opened_at + the next schedule step when a probe fails", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, openedAt } = await openWithParked(world, 2);
    const oldestParked = world.deliveriesTo(hook.id).find((d) => d.status === "parked");

    // Act
    await world.nextProbe();

    // Assess
    expect(world.sender.to(hook.url).slice(3)).toEqual([
      expect.objectContaining({ deliveryId: oldestParked?.id }),
    ]);
    expect(world.scheduler.probes.map((p) => [p.message.probe, p.at])).toEqual([
      [1, at(openedAt, 0)],
      [2, at(openedAt, 1000)],
    ]);
    expect(await world.health(hook.id)).toMatchObject({
      state: "open",
      opened_at: openedAt,
      probes: 1,
      next_probe_at: at(openedAt, 1000).toISOString(),
    });
    expect(world.deliveriesTo(hook.id).filter((d) => d.status === "parked")).toHaveLength(2);
  });

  it("schedules probe n+1 at each schedule step while probes keep failing", async () => {
    // Prepare
    const world = deliveryWorld();
    const { openedAt } = await openWithParked(world, 1);

    // Act
    for (let probe = 1; probe <= 6; probe++) await world.nextProbe();

    // Assess
    expect(
      world.scheduler.probes.map((p) => [p.message.probe, p.at.getTime() - Date.parse(openedAt)]),
    ).toEqual([
      [1, 0],
      [2, 1000],
      [3, 2000],
      [4, 3000],
      [5, 4000],
      [6, 5000],
      [7, 6000],
    ]);
  });

  it("closes the breaker on a successful probe and queues a drain of what it parked on the slow lane", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, openedAt } = await openWithParked(world, 3);
    const parkedFrom = (await world.health(hook.id)).parked_from;
    world.sender.answer(hook.url, ok);

    // Act
    await world.fireDue();
    await world.runSlowLane(1);

    // Assess
    expect(await world.health(hook.id)).toMatchObject({
      state: "healthy",
      consecutive_failures: 0,
      opened_at: openedAt,
      probes: 0,
      next_probe_at: null,
    });
    expect(world.slowLane.messages).toEqual([
      {
        message: { kind: "drain", tenant_id: TENANT, webhook_id: hook.id, mode: "send", from: parkedFrom },
        delaySeconds: 0,
      },
    ]);
    expect(world.metrics.healthChanges).toEqual(["open", "healthy"]);
  });

  it("sends the attempts, the probe and the drain with the endpoint's http_method", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint({}, { http_method: "PUT" });
    await openBreakerOf(world, hook);
    await world.events(2);
    world.sender.answer(hook.url, ok);

    // Act
    await world.fireDue();
    await world.runSlowLane();

    // Assess
    // The two events parked behind the breaker went out once a probe closed it.
    expect(
      world
        .deliveriesTo(hook.id)
        .slice(-2)
        .map((d) => d.status),
    ).toEqual(["succeeded", "succeeded"]);
    expect(new Set(world.sender.to(hook.url).map((s) => s.method))).toEqual(new Set(["PUT"]));
  });

  it("sends every parked delivery exactly once, oldest first, in the drain after a successful probe", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook } = await openWithParked(world, 8);
    // The retries of the three failures that opened the breaker come due and are parked too.
    world.advance(1000);
    await world.fireDue();
    const parked = world.deliveriesTo(hook.id).filter((d) => d.status === "parked");
    expect(parked).toHaveLength(11);
    const sentBefore = world.sender.sent.length;
    world.sender.answer(hook.url, ok);

    // Act
    await world.fireDue();
    await world.runSlowLane();

    // Assess
    const sent = world.sender.sent.slice(sentBefore).map((s) => s.deliveryId);
    expect(sent).toEqual(parked.map((d) => d.id));
    expect(world.deliveriesTo(hook.id).map((d) => d.status)).toEqual(Array(11).fill("succeeded"));
    expect((await world.health(hook.id)).parked_from).toBeNull();
  });

  it("disables the endpoint when the seventh probe fails, and its walk skips every parked delivery", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, openedAt } = await openWithParked(world, 4);
    for (let probe = 1; probe <= 6; probe++) await world.nextProbe();
    const disabledAt = at(openedAt, 6000).toISOString();

    // Act
    await world.nextProbe();

    // Assess
    const endpoint = await world.endpoint(hook.id);
    expect(endpoint).toMatchObject({
      is_active: false,
      disabled_reason: "delivery_failed",
      disabled_at: disabledAt,
    });
    expect(world.slowLaneLog.map((h) => h.message)).toContainEqual(
      expect.objectContaining({ kind: "drain", webhook_id: hook.id, mode: "skip" }),
    );
    expect(
      world
        .deliveriesTo(hook.id)
        .slice(3)
        .map((d) => d.status),
    ).toEqual(Array(4).fill("skipped"));
    expect(world.scheduler.probes).toHaveLength(7);
    expect(world.queue.published).toEqual([
      expect.objectContaining({
        kind: "platform_event",
        exclude_webhook_id: hook.id,
        event: expect.objectContaining({
          type: "webhook.disabled",
          data: expect.objectContaining({ webhook_id: hook.id, disabled_reason: "delivery_failed" }),
        }),
      }),
    ]);
  });

  it("sends one HTTP attempt per probe, whatever is parked", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook } = await openWithParked(world, 50);
    const sentBefore = world.sender.sent.length;

    // Act
    for (let probe = 1; probe <= 7; probe++) await world.nextProbe();

    // Assess
    expect(world.sender.to(hook.url).length - sentBefore).toBe(7);
  });

  it("does nothing for a probe of a breaker that is not the current one", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, openedAt } = await openWithParked(world, 2);
    const before = await world.health(hook.id);
    const sentBefore = world.sender.sent.length;
    const stale = probeMessage(hook, at(openedAt, -3_600_000).toISOString(), 1);

    // Act
    const result = await world.handle(stale, "slow");

    // Assess
    expect(result).toBe("done");
    expect(world.sender.sent).toHaveLength(sentBefore);
    expect(world.scheduler.probes).toHaveLength(1);
    expect(world.slowLane.messages).toEqual([]);
    expect(await world.health(hook.id)).toEqual(before);
  });

  it("does not probe twice when a probe message is delivered twice", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook } = await openWithParked(world, 2);
    const probe = world.scheduler.probes[0]?.message;
    if (!probe) throw new Error("no probe scheduled");
    const sentBefore = world.sender.sent.length;
    await world.handle(probe, "slow");
    const afterFirst = await world.health(hook.id);

    // Act
    const again = await world.handle(probe, "slow");

    // Assess
    expect(again).toBe("done");
    expect(world.sender.sent.length - sentBefore).toBe(1);
    expect(await world.health(hook.id)).toEqual(afterFirst);
    expect(afterFirst.probes).toBe(1);
    // Scheduler keeps one schedule per (endpoint, breaker, probe): probe 2, however often asked.
    expect(new Set(world.scheduler.probes.map((p) => p.message.probe))).toEqual(new Set([1, 2]));
  });

  it("does not probe twice when a successful probe message is delivered twice", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook } = await openWithParked(world, 2);
    const probe = world.scheduler.probes[0]?.message;
    if (!probe) throw new Error("no probe scheduled");
    world.sender.answer(hook.url, ok);
    const sentBefore = world.sender.sent.length;
    await world.handle(probe, "slow");
    await world.runSlowLane();

    // Act
    await world.handle(probe, "slow");
    await world.runSlowLane();

    // Assess
    expect(world.sender.sent.length - sentBefore).toBe(2);
    expect(
      world
        .deliveriesTo(hook.id)
        .slice(3)
        .map((d) => d.status),
    ).toEqual(["succeeded", "succeeded"]);
  });

  it("disables the endpoint as gone when a probe is answered 410, and skips what it parked", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook } = await openWithParked(world, 3);
    world.sender.answer(hook.url, { status: 410 });

    // Act
    await world.nextProbe();

    // Assess
    expect(await world.endpoint(hook.id)).toMatchObject({ is_active: false, disabled_reason: "gone" });
    expect(
      world
        .deliveriesTo(hook.id)
        .slice(3)
        .map((d) => d.status),
    ).toEqual(Array(3).fill("skipped"));
    expect(world.scheduler.probes).toHaveLength(1);
  });

  it("cancels what a deleted endpoint parked when its probe comes", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook } = await openWithParked(world, 3);
    world.endpoints.remove(TENANT, hook.id);

    // Act
    await world.nextProbe();

    // Assess
    expect(
      world
        .deliveriesTo(hook.id)
        .slice(3)
        .map((d) => d.status),
    ).toEqual(Array(3).fill("cancelled"));
    expect(world.sender.sent).toHaveLength(3);
  });

  it("leaves nothing parked when the endpoint is disabled and re-enabled before the breaker's probe", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook } = await openWithParked(world, 3);
    const disabledAt = world.now().toISOString();
    await world.endpoints.disable(TENANT, hook.id, "manual", disabledAt);
    // Re-enabling keeps a breaker that is still probing (webhook-management.ts): its probes go on.
    world.replaceEndpoint({
      ...(await world.endpoint(hook.id)),
      is_active: true,
      disabled_reason: null,
      disabled_at: null,
    });
    world.sender.answer(hook.url, ok);

    // Act
    await world.nextProbe();
    await world.events(1);

    // Assess
    expect(world.deliveriesTo(hook.id).filter((d) => d.status === "parked")).toEqual([]);
  });
});
