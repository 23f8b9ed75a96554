import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoDbDeliveryStore } from "../../lambdas/adapters/dynamodb-delivery-store";
import { DynamoDbWebhookStore } from "../../lambdas/adapters/dynamodb-webhook-store";
import type { Delivery } from "../../lambdas/core/delivery/model";
import { ATTEMPT_LEASE_MS } from "../../lambdas/core/delivery";
import type { WebhookSender } from "../../lambdas/core/webhook-sender";
import { webhookSender } from "../../lambdas/wiring/http-senders";
import { createEndpoint, deliveriesOf, deliveriesTo, leadCreated, productionEventDelivery } from "../support/delivery";
import { documentClient, newTenant, platform, type TestTenant } from "../support/platform";
import { receiverPool } from "../support/receiver";

/**
 * Attempt 1's lease is written by the fan-out itself (docs/performance.md, section 4): the
 * production delivery code and DynamoDB adapters on DynamoDB Local, over a client that
 * records every DynamoDB call it makes, and real receivers on 127.0.0.1.
 */
const receivers = receiverPool();
let tenant: TestTenant;

beforeEach(async () => {
  tenant = await newTenant("lease");
});

afterAll(() => receivers.closeAll());

/** A delivery worker whose DynamoDB calls are listed in `calls`, by command. */
function worker({ sender = webhookSender(), clock }: { sender?: WebhookSender; clock?: () => Date } = {}) {
  const client = documentClient();
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: "recordCalls" },
  );
  const delivery = productionEventDelivery({
    deliveries: new DynamoDbDeliveryStore(client, platform().TableName, 30 * 86_400_000),
    endpoints: new DynamoDbWebhookStore(client, platform().TableName),
    sender,
    ...(clock ? { clock } : {}),
  });
  return { delivery, calls };
}

const eventMessage = (t: TestTenant) => JSON.stringify(leadCreated(t));
const statuses = (deliveries: readonly Delivery[]) =>
  Object.fromEntries(deliveries.map((d) => [d.webhook_id, [d.status, d.attempt_count]]));

describe("attempt 1 leased by the fan-out", () => {
  it("sends a fan-out's first attempts with the fan-out write and one record each, and no claim", async () => {
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
    // The endpoint list (their health with them), the fan-out transaction, and one record per
    // delivery sent: a success to a healthy endpoint writes nothing to its health.
    expect(calls).toEqual(["QueryCommand", "TransactWriteItemsCommand", "UpdateItemCommand", "UpdateItemCommand"]);
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
    const whileLeased = await worker().delivery.handleMessage(message, randomUUID());
    const sentBeforeExpiry = deliveriesTo(r).length;
    const later = worker({ clock: () => new Date(Date.now() + ATTEMPT_LEASE_MS + 1000) });
    const afterExpiry = await later.delivery.handleMessage(message, randomUUID());

    expect(whileLeased).toBe("retry_later");
    expect(sentBeforeExpiry).toBe(0);
    expect(afterExpiry).toBe("done");
    // The duplicate claims attempt 1 (GetItem of the event and the delivery, claim, record): no lease reused.
    expect(later.calls.filter((c) => c === "UpdateItemCommand")).toHaveLength(2);
    expect(deliveriesTo(r)).toHaveLength(1);
    const [stored] = await deliveriesOf(tenant.tenantId, eventId);
    expect(stored).toMatchObject({ webhook_id: hook.id, status: "succeeded", attempt_count: 1 });
    expect(deliveriesTo(r)[0]?.headers["webhook-id"]).toBe(stored?.id);
  });
});
