import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoDbDeliveryStore } from "../../lambdas/adapters/dynamodb-delivery-store";
import { DynamoDbEndpointHealthStore } from "../../lambdas/adapters/dynamodb-endpoint-health-store";
import { DynamoDbWebhookStore } from "../../lambdas/adapters/dynamodb-webhook-store";
import type { Delivery } from "../../lambdas/core/delivery/model";
import { ATTEMPT_LEASE_MS } from "../../lambdas/core/delivery";
import { firstUlidAt } from "../../lambdas/core/ulid";
import type { WebhookSender } from "../../lambdas/core/webhook-sender";
import { webhookSender } from "../../lambdas/wiring/endpoints";
import {
  createEndpoint,
  deliveriesOf,
  deliveriesTo,
  leadCreated,
  productionEventDelivery,
} from "../support/delivery";
import { documentClient, newTenant, platform, type TestTenant } from "../support/platform";
import { receiverPool } from "../support/receiver";

/**
 * The fan-out writes its event first, naming every delivery and holding the run's lease on the
 * first attempts it sends itself; each of those is written once, whole, with that attempt
 * (docs/performance.md, section 4). The production delivery code and DynamoDB adapters on
 * DynamoDB Local, over a client that records every DynamoDB call it makes, and real receivers
 * on 127.0.0.1.
 */
const receivers = receiverPool();
let tenant: TestTenant;

beforeEach(async () => {
  tenant = await newTenant("lease");
});

afterAll(() => receivers.closeAll());

/** A call as `calls` lists it: the command, and the kind of item it names (EVENT, DELIVERY) when it names one. */
function describeCall(commandName: string, input: unknown): string {
  const { Item, Key } = (input ?? {}) as { Item?: { sk?: unknown }; Key?: { sk?: unknown } };
  const sk = Item?.sk ?? Key?.sk;
  // The document client's input, or the same marshalled, depending on where in the stack this runs.
  const text = typeof sk === "string" ? sk : (sk as { S?: string } | undefined)?.S;
  return text === undefined ? commandName : `${commandName} ${text.split("#")[0]}`;
}

const isWrite = (call: string) => call.startsWith("PutItem") || call.startsWith("UpdateItem");

/**
 * A delivery worker whose DynamoDB calls are listed in `calls`; `diesAt` names the call at which
 * it dies (the call throws, as the process would stop, and nothing after it runs).
 */
function worker({
  sender = webhookSender(),
  clock,
  diesAt,
}: { sender?: WebhookSender; clock?: () => Date; diesAt?: (call: string) => boolean } = {}) {
  const client = documentClient();
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const call = describeCall(String(context.commandName), args.input);
      calls.push(call);
      if (diesAt?.(call)) throw new Error(`the worker died at ${call}`);
      return next(args);
    },
    { step: "initialize", name: "recordCalls" },
  );
  const delivery = productionEventDelivery({
    deliveries: new DynamoDbDeliveryStore(client, platform().TableName, {
      retentionMs: 30 * 86_400_000,
      clock: clock ?? (() => new Date()),
    }),
    endpoints: new DynamoDbWebhookStore(client, platform().TableName),
    sender,
    ...(clock ? { clock } : {}),
  });
  return { delivery, calls };
}

/** A worker on a clock past the lease a run that started now took. */
const afterTheLease = () => worker({ clock: () => new Date(Date.now() + ATTEMPT_LEASE_MS + 1000) });

const eventMessage = (t: TestTenant) => JSON.stringify(leadCreated(t));
const statuses = (deliveries: readonly Delivery[]) =>
  Object.fromEntries(deliveries.map((d) => [d.webhook_id, [d.status, d.attempt_count]]));

describe("attempt 1 leased by the fan-out", () => {
  it("writes a fan-out's event once, then each delivery once: those it sends with their first attempt, and no claim", async () => {
    const [a, b, off] = await Promise.all([receivers.start(), receivers.start(), receivers.start()]);
    const hooks = [
      await createEndpoint(tenant, `${a.url}/a`),
      await createEndpoint(tenant, `${b.url}/b`),
      await createEndpoint(tenant, `${off.url}/off`, { is_active: false }),
    ];
    const { delivery, calls } = worker();
    const message = eventMessage(tenant);

    const result = await delivery.handleMessage(message, randomUUID());

    expect(result).toBe("done");
    // The endpoint list (their health with them); the event; the skipped delivery, right after
    // it; and each delivery sent, written with its attempt. A success to a healthy endpoint
    // writes nothing to its health.
    expect(calls).toEqual([
      "QueryCommand",
      "PutItemCommand EVENT",
      "PutItemCommand DELIVERY",
      "PutItemCommand DELIVERY",
      "PutItemCommand DELIVERY",
    ]);
    expect(deliveriesTo(a)).toHaveLength(1);
    expect(deliveriesTo(b)).toHaveLength(1);
    expect(deliveriesTo(off)).toHaveLength(0);
    const eventId = JSON.parse(message).id as string;
    expect(statuses(await deliveriesOf(tenant.tenantId, eventId))).toEqual({
      [hooks[0]?.id ?? ""]: ["succeeded", 1],
      [hooks[1]?.id ?? ""]: ["succeeded", 1],
      [hooks[2]?.id ?? ""]: ["skipped", 0],
    });
  });

  it("leaves a redelivered message's delivery to the dead run's lease until it expires, then sends it", async () => {
    const r = await receivers.start();
    const hook = await createEndpoint(tenant, `${r.url}/crash`);
    const message = eventMessage(tenant);
    const eventId = JSON.parse(message).id as string;
    // A worker that dies after its fan-out is written, before its first attempt is recorded.
    const dying = worker({
      sender: {
        send: async () => {
          throw new Error("the worker died mid-send");
        },
      },
    });
    await expect(dying.delivery.handleMessage(message, randomUUID())).rejects.toThrow("died");

    // The message comes back to another worker while the dead run's lease is live, and after it expired.
    const early = worker();
    const whileLeased = await early.delivery.handleMessage(message, randomUUID());
    const sentBeforeExpiry = deliveriesTo(r).length;
    const later = afterTheLease();
    const afterExpiry = await later.delivery.handleMessage(message, randomUUID());

    expect(whileLeased).toBe("retry_later");
    expect(sentBeforeExpiry).toBe(0);
    // While the lease is live: the refused duplicate and the refused takeover, and no delivery written.
    expect(early.calls.filter(isWrite)).toEqual(["PutItemCommand EVENT", "UpdateItemCommand EVENT"]);
    expect(afterExpiry).toBe("done");
    // After it: the refused duplicate, the takeover, the delivery written pending, then claimed
    // and recorded as any attempt is (no lease reused).
    expect(later.calls.filter(isWrite)).toEqual([
      "PutItemCommand EVENT",
      "UpdateItemCommand EVENT",
      "PutItemCommand DELIVERY",
      "UpdateItemCommand DELIVERY",
      "UpdateItemCommand DELIVERY",
    ]);
    expect(deliveriesTo(r)).toHaveLength(1);
    const [stored] = await deliveriesOf(tenant.tenantId, eventId);
    expect(stored).toMatchObject({ webhook_id: hook.id, status: "succeeded", attempt_count: 1 });
    expect(deliveriesTo(r)[0]?.headers["webhook-id"]).toBe(stored?.id);
  });

  it("resumes a run that died between its event and its deliveries: writes each, sends each once", async () => {
    // Prepare: two healthy endpoints, a disabled one, and one whose breaker is open.
    const [a, b, off, open] = await Promise.all([
      receivers.start(),
      receivers.start(),
      receivers.start(),
      receivers.start(),
    ]);
    const hooks = {
      a: await createEndpoint(tenant, `${a.url}/a`),
      b: await createEndpoint(tenant, `${b.url}/b`),
      off: await createEndpoint(tenant, `${off.url}/off`, { is_active: false }),
      open: await createEndpoint(tenant, `${open.url}/open`),
    };
    const nextProbeAt = new Date(Date.now() + 3_600_000).toISOString();
    const breaker = new DynamoDbEndpointHealthStore(documentClient(), platform().TableName);
    const openEndpoint = await new DynamoDbWebhookStore(documentClient(), platform().TableName).get(
      tenant.tenantId,
      hooks.open.id,
    );
    if (!openEndpoint) throw new Error("the endpoint is stored");
    await breaker.openBreaker(openEndpoint, {
      openedAt: new Date().toISOString(),
      nextProbeAt,
      parkedFrom: `msg_${firstUlidAt(Date.now() - 60_000)}`,
    });
    const message = eventMessage(tenant);
    const eventId = JSON.parse(message).id as string;

    // Act: the first run dies at its first delivery write, once the event is written.
    const dying = worker({ diesAt: (call) => call === "PutItemCommand DELIVERY" });
    await expect(dying.delivery.handleMessage(message, randomUUID())).rejects.toThrow("died");
    const leftByTheCrash = await deliveriesOf(tenant.tenantId, eventId);
    const whileLeased = await worker().delivery.handleMessage(message, randomUUID());
    const sentWhileLeased = [a, b, off, open].map((r) => deliveriesTo(r).length);
    const resumed = await afterTheLease().delivery.handleMessage(message, randomUUID());
    const again = await afterTheLease().delivery.handleMessage(message, randomUUID());

    // Assess
    expect(dying.calls.slice(0, 2)).toEqual(["QueryCommand", "PutItemCommand EVENT"]);
    expect(leftByTheCrash, "the event names deliveries not written yet").toEqual([]);
    expect(whileLeased).toBe("retry_later");
    expect(sentWhileLeased).toEqual([0, 0, 0, 0]);
    expect([resumed, again]).toEqual(["done", "done"]);
    expect(
      [a, b, off, open].map((r) => deliveriesTo(r).length),
      "each sent once, none to off or open",
    ).toEqual([1, 1, 0, 0]);
    const stored = await deliveriesOf(tenant.tenantId, eventId);
    expect(statuses(stored)).toEqual({
      [hooks.a.id]: ["succeeded", 1],
      [hooks.b.id]: ["succeeded", 1],
      [hooks.off.id]: ["skipped", 0],
      [hooks.open.id]: ["parked", 0],
    });
    expect(stored.find((d) => d.webhook_id === hooks.open.id)?.next_attempt_at).toBe(nextProbeAt);
    // The ids the dead run named in the event: the webhook-id a receiver dedupes on.
    expect(deliveriesTo(a)[0]?.headers["webhook-id"]).toBe(
      stored.find((d) => d.webhook_id === hooks.a.id)?.id,
    );
    expect(deliveriesTo(b)[0]?.headers["webhook-id"]).toBe(
      stored.find((d) => d.webhook_id === hooks.b.id)?.id,
    );
  });
});
