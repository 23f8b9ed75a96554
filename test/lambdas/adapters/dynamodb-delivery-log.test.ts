import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { keys } from "../../../lambdas/adapters/table-keys";
import type { Delivery } from "../../../lambdas/core/delivery/model";
import type { FanOutWrite } from "../../../lambdas/core/delivery/ports";
import { ulid } from "../../../lambdas/core/ulid";
import { deliveryLogStore, deliveryStore, pendingDelivery } from "../../support/delivery";
import { documentClient, platform } from "../../support/platform";

/**
 * The delivery log's reads on DynamoDB Local: its pages (newest first, bounded work, back to
 * `since`), and the items it refuses to read. The deliveries are written by the production
 * delivery store, as a fan-out writes them.
 */
const inAMinute = () => new Date(Date.now() + 60_000);
const write = (): FanOutWrite => ({
  idempotentUntil: inAMinute(),
  leaseUntil: inAMinute(),
  leased: new Set(),
});

/** Records `count` deliveries to one endpoint, made a millisecond apart from `start`, in fan-outs of 99. */
async function log(count: number, status: (i: number) => Delivery["status"], start = Date.now() - count) {
  const store = deliveryStore();
  const tenant = `log-${randomUUID().slice(0, 8)}`;
  const template = pendingDelivery({ tenant_id: tenant, webhook_id: randomUUID() });
  const made: Delivery[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(start + i).toISOString();
    made.push({
      ...template,
      id: `msg_${ulid(start + i)}`,
      status: status(i),
      created_at: at,
      updated_at: at,
    });
  }
  for (let from = 0; from < count; from += 99) {
    const batch = made.slice(from, from + 99);
    const refs = batch.map((d) => ({ webhook_id: d.webhook_id, delivery_id: d.id }));
    const event = {
      tenant_id: tenant,
      id: `evt_${from}`,
      type: template.event_type,
      created_at: template.created_at,
    };
    await store.recordFanOut({ ...event, data: {}, deliveries: refs }, batch, write());
  }
  return { webhookId: template.webhook_id, made };
}

describe("DynamoDbDeliveryLog.listDeliveries", () => {
  it("bounds the work of a filtered page and hands back a cursor that goes on past it", async () => {
    // Only the oldest of 1,200 has the status asked for: the first page reads its bound and stops.
    const { webhookId, made } = await log(1200, (i) => (i === 0 ? "failed" : "succeeded"));

    const first = await deliveryLogStore().listDeliveries(webhookId, { statuses: ["failed"], limit: 10 });
    const second = await deliveryLogStore().listDeliveries(webhookId, {
      statuses: ["failed"],
      limit: 10,
      before: first.continueAfter ?? "",
    });

    expect(first.items).toEqual([]);
    expect(first.continueAfter).toMatch(/^msg_/);
    expect(second.items.map((d) => d.id)).toEqual([made[0]?.id]);
    expect(second.continueAfter).toBeUndefined();
  });

  it("reads back to `since` and no further", async () => {
    const start = Date.now() - 1000;
    const { webhookId, made } = await log(20, () => "failed", start);

    const page = await deliveryLogStore().listDeliveries(webhookId, {
      since: new Date(start + 15),
      limit: 100,
    });

    expect(page.items.map((d) => d.id)).toEqual(
      made
        .slice(15)
        .map((d) => d.id)
        .reverse(),
    );
    expect(page.continueAfter).toBeUndefined();
  });

  it("answers a page's deliveries with their summary fields only", async () => {
    const { webhookId, made } = await log(2, () => "skipped");
    const {
      tenant_id: _tenant,
      first_attempt_at: _first,
      attempts: _attempts,
      ...summary
    } = made[1] as Delivery;

    const page = await deliveryLogStore().listDeliveries(webhookId, { limit: 1 });

    expect(page.items).toEqual([summary]);
    expect(page.continueAfter).toBe(summary.id);
  });

  it("refuses a stored delivery with no status, naming the field", async () => {
    // Prepare: a good delivery, and a newer one written without its status.
    const { webhookId, made } = await log(1, () => "failed");
    const { status: _status, ...withoutStatus } = { ...(made[0] as Delivery), id: `msg_${ulid()}` };
    await documentClient().send(
      new PutCommand({
        TableName: platform().TableName,
        Item: { ...keys.delivery(webhookId, withoutStatus.id), ...withoutStatus },
      }),
    );

    // Act
    const page = deliveryLogStore().listDeliveries(webhookId, { limit: 10 });

    // Assess
    await expect(page).rejects.toThrow(`stored delivery ${withoutStatus.id} has no status`);
  });
});

describe("DynamoDbDeliveryLog.getDelivery", () => {
  it("answers a delivery with every attempt, as the store wrote it", async () => {
    const { webhookId, made } = await log(1, () => "skipped");

    expect(await deliveryLogStore().getDelivery(webhookId, made[0]?.id ?? "")).toEqual(made[0]);
  });
});
