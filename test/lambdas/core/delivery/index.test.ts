import { describe, expect, it } from "vitest";
import type { DrainMessage } from "../../../../lambdas/core/queue-message";
import { deliveryWorld, openHealth, openWithParked, probeMessage, TENANT } from "./harness";

describe("handleMessage", () => {
  it("forwards a probe that arrives on the main lane to the slow lane untouched, sending nothing", async () => {
    // Prepare
    const world = deliveryWorld();
    const { hook, openedAt } = await openWithParked(world, 2);
    const probe = probeMessage(hook, openedAt, 1);
    const sentBefore = world.sender.sent.length;
    const healthBefore = await world.health(hook.id);

    // Act
    const result = await world.handle(probe, "main");

    // Assess
    expect(result).toBe("done");
    expect(world.slowLane.messages).toEqual([{ message: probe, delaySeconds: 0 }]);
    expect(world.sender.sent).toHaveLength(sentBefore);
    expect(await world.health(hook.id)).toEqual(healthBefore);
  });

  it("forwards a drain that arrives on the main lane to the slow lane untouched, sending nothing", async () => {
    // Prepare
    const world = deliveryWorld();
    const hook = world.addEndpoint();
    await world.events(2);
    const drain: DrainMessage = {
      kind: "drain",
      tenant_id: TENANT,
      webhook_id: hook.id,
      mode: "send",
      from: "",
    };
    const sentBefore = world.sender.sent.length;

    // Act
    const result = await world.handle(drain, "main");

    // Assess
    expect(result).toBe("done");
    expect(world.slowLane.messages).toEqual([{ message: drain, delaySeconds: 0 }]);
    expect(world.sender.sent).toHaveLength(sentBefore);
  });

  it("runs a probe that arrives on the slow lane", async () => {
    // Prepare
    const world = deliveryWorld();
    const openedAt = "2026-02-15T09:59:00.000Z";
    const hook = world.addEndpoint(openHealth(openedAt));
    await world.event();

    // Act
    await world.handle(probeMessage(hook, openedAt, 1), "slow");

    // Assess
    expect(world.sender.to(hook.url)).toHaveLength(1);
    expect((await world.health(hook.id)).state).toBe("healthy");
  });

  it("sends a message it cannot read to the dead-letter queue and is done with it", async () => {
    // Prepare
    const world = deliveryWorld();
    const body = JSON.stringify({ kind: "probe", tenant_id: TENANT, webhook_id: "wh_x", probe: 0 });

    // Act
    const result = await world.main.handleMessage(body, "m-invalid");

    // Assess
    expect(result).toBe("done");
    expect(world.queue.deadLettered).toEqual([body]);
    expect(world.slowLane.messages).toEqual([]);
  });
});
