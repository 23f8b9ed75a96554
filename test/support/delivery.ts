import { randomUUID } from "node:crypto";
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse } from "aws-lambda";
import type { DynamoDbDeliveryLog } from "../../lambdas/adapters/dynamodb-delivery-log";
import type { Delivery } from "../../lambdas/core/delivery/model";
import type { FanOutWrite } from "../../lambdas/core/delivery/ports";
import { type EventDelivery, type EventDeliveryDeps, eventDelivery } from "../../lambdas/core/delivery";
import * as wiring from "../../lambdas/wiring/clients";
import { deliveryDependencies } from "../../lambdas/wiring/delivery";
import { ulid } from "../../lambdas/core/ulid";
import { handler as deliveryWorker } from "../../lambdas/handlers/delivery-worker";
import { lambdaContext } from "../../local/lambda-context";
import { localSqs } from "../../local/clients";
import { sqsEvent } from "../../local/sqs-records";
import { waitFor } from "../../local/wait-for";
import { platform, type TestTenant } from "./platform";
import type { Receiver } from "./receiver";

/** Producing events, running the delivery worker, and reading what it recorded. */
export function sqs(): SQSClient {
  return localSqs(platform());
}

export async function sendEvent(event: Record<string, unknown>): Promise<void> {
  await sqs().send(
    new SendMessageCommand({ QueueUrl: platform().EventsQueueUrl, MessageBody: JSON.stringify(event) }),
  );
}

/** Runs the production delivery handler in this process on messages, as Lambda would on a batch. */
export async function runWorker(...bodies: string[]): Promise<SQSBatchResponse> {
  const event = sqsEvent(bodies, {
    queueArn: "arn:aws:sqs:us-east-1:123456789012:test",
    awsRegion: "us-east-1",
  });
  return (await deliveryWorker(event, lambdaContext("deliveryWorker", 60_000))) as SQSBatchResponse;
}

/** A fan-out write that leases attempt 1 of each pending delivery for the caller, as a worker's own fan-out does. */
export function leaseAll(
  deliveries: readonly Delivery[],
  idempotentUntil: Date,
  leaseUntil: Date,
): FanOutWrite {
  const leased = new Set(deliveries.filter((d) => d.status === "pending").map((d) => d.id));
  return { idempotentUntil, leaseUntil, leased };
}

/** The production store, as the local platform configures it (a 30-day log, the system clock). */
export function deliveryStore(): ReturnType<typeof wiring.deliveryStore> {
  return wiring.deliveryStore();
}

/** The production log's reads, as the API makes them. */
export function deliveryLogStore(): DynamoDbDeliveryLog {
  return wiring.deliveryLogStore();
}

/** The deliveries the fan-out of an event created, as stored now. */
export async function deliveriesOf(tenantId: string, eventId: string): Promise<Delivery[]> {
  const store = deliveryStore();
  const event = await store.getEvent(tenantId, eventId);
  const found = await Promise.all(
    (event?.deliveries ?? []).map((r) => store.getDelivery(r.webhook_id, r.delivery_id)),
  );
  return found.filter((d): d is Delivery => d !== undefined);
}

/** Waits until the event's delivery to one endpoint satisfies `done`, and answers it. */
export async function awaitDelivery(
  tenantId: string,
  eventId: string,
  webhookId: string,
  done: (d: Delivery) => boolean,
  timeoutMs = 20_000,
): Promise<Delivery> {
  let last: Delivery | undefined;
  const ok = await waitFor(
    async () => {
      last = (await deliveriesOf(tenantId, eventId)).find((d) => d.webhook_id === webhookId);
      return last !== undefined && done(last);
    },
    { timeoutMs, intervalMs: 100 },
  );
  if (!ok) throw new Error(`delivery did not reach the expected state; last seen: ${JSON.stringify(last)}`);
  return last as Delivery;
}

export interface DeadLetter {
  readonly body: string;
  readonly reason: string | undefined;
}

/** Takes the dead-letter messages whose body contains `marker` (other tests' messages stay). */
export async function deadLettersWith(
  marker: string,
  count: number,
  timeoutMs = 10_000,
): Promise<DeadLetter[]> {
  const client = sqs();
  const found: DeadLetter[] = [];
  await waitFor(
    async () => {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: platform().EventsDlqUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ["All"],
          VisibilityTimeout: 0,
        }),
      );
      const mine = Messages.filter((m) => m.Body?.includes(marker));
      for (const m of mine)
        found.push({ body: m.Body ?? "", reason: m.MessageAttributes?.failure_reason?.StringValue });
      if (mine.length) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: platform().EventsDlqUrl,
            Entries: mine.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return found.length >= count;
    },
    { timeoutMs, intervalMs: 100 },
  );
  return found;
}

/** An endpoint for crm.lead.created at `url`, created over the API without the verification POST. */
export async function createEndpoint(t: TestTenant, url: string, fields: Record<string, unknown> = {}) {
  const res = await t.api("POST", "/v1/webhooks", {
    body: { name: "Receiver", url, events: ["crm.lead.created"], verify: false, ...fields },
  });
  if (res.status !== 201) throw new Error(`creating an endpoint answered ${res.status}: ${res.text}`);
  return res.json.data as { id: string; secret_token: string; updated_at: string };
}

/** A delivery as a fan-out records it before its first attempt. */
export function pendingDelivery(
  fields: Pick<Delivery, "tenant_id" | "webhook_id"> & Partial<Delivery>,
): Delivery {
  const now = new Date().toISOString();
  return {
    id: `msg_${ulid()}`,
    event_id: `evt_${randomUUID()}`,
    event_type: "crm.lead.created",
    status: "pending",
    attempt_count: 0,
    next_attempt_at: null,
    first_attempt_at: null,
    created_at: now,
    updated_at: now,
    attempts: [],
    ...fields,
  };
}

/** The production delivery use case and adapters, with some parts replaced (a clock, a sender, stores). */
export function productionEventDelivery(overrides: Partial<EventDeliveryDeps> = {}): EventDelivery {
  return eventDelivery({ ...deliveryDependencies(wiring.eventPublisher(), "main"), ...overrides });
}

/** A producer's crm.lead.created event for the tenant, with a fresh id (docs/events.md). */
export const leadCreated = (t: TestTenant, fields: Record<string, unknown> = {}) => ({
  tenant_id: t.tenantId,
  type: "crm.lead.created",
  id: `evt_${randomUUID()}`,
  occurred_at: "2026-02-15T10:30:00Z",
  data: { lead: { name: "Conformância Ltda", email: "lead@example.com" }, score: 42 },
  ...fields,
});

/** What a receiver got of producers' events, leaving out the platform's own (webhook.*). */
export const deliveriesTo = (r: Receiver) =>
  r.requests.filter((q) => !String(q.json?.type).startsWith("webhook."));
