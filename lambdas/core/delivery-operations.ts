import * as z from "zod";
import { type DeliveryView, RECOVERABLE_STATUSES, toDeliveryView } from "./delivery";
import { findDelivery } from "./delivery-log";
import type { DeliveryLog, DeliveryStore, WorkQueue } from "./delivery-ports";
import { ConflictError, ValidationError } from "./errors";
import type { EventDelivery } from "./event-delivery";
import type { ResendMessage } from "./queue-message";
import { noParametersSchema, parseInput } from "./validation";
import { findEndpoint } from "./webhook-queries";
import type { WebhookStore } from "./webhook-store";

/**
 * What an integrator can do about deliveries (SPEC 2): send a test event, resend
 * one delivery now, and recover everything an outage failed or skipped. Test and
 * resend answer with the attempt made; recover hands its work to the queue.
 */
export interface DeliveryOperationsDeps {
  readonly endpoints: WebhookStore;
  readonly deliveries: DeliveryLog & Pick<DeliveryStore, "getDelivery">;
  readonly delivery: Pick<EventDelivery, "sendTest" | "resendNow">;
  readonly queue: WorkQueue;
  readonly clock?: () => Date;
}

const recoverSchema = z.strictObject({
  since: z.iso.datetime({ offset: true, message: "since is an ISO 8601 date-time, like 2026-02-15T10:30:00Z" }),
});

const PAGE_SIZE = 100;

export function deliveryOperations(deps: DeliveryOperationsDeps) {
  const { endpoints, deliveries } = deps;
  const clock = deps.clock ?? (() => new Date());

  return {
    async test(tenantId: string, webhookId: string, body: unknown): Promise<DeliveryView> {
      parseInput(noParametersSchema, body, "test request");
      const endpoint = await findEndpoint(endpoints, tenantId, webhookId);
      return toDeliveryView(await deps.delivery.sendTest(endpoint));
    },

    async retry(tenantId: string, webhookId: string, deliveryId: string, body: unknown): Promise<DeliveryView> {
      parseInput(noParametersSchema, body, "retry request");
      const endpoint = await findEndpoint(endpoints, tenantId, webhookId);
      const delivery = await findDelivery(deliveries, endpoint.id, tenantId, deliveryId);
      return toDeliveryView(await deps.delivery.resendNow(delivery, endpoint));
    },

    /** Queues a resend of every failed or skipped delivery created since `since`; answers how many. */
    async recover(tenantId: string, webhookId: string, body: unknown): Promise<{ queued: number }> {
      const input = parseInput(recoverSchema, body, "recover request");
      const since = new Date(input.since);
      if (since > clock()) {
        const message = "since is in the future";
        throw new ValidationError(message, { details: [{ field: "since", message }] });
      }
      const endpoint = await findEndpoint(endpoints, tenantId, webhookId);
      if (!endpoint.is_active) {
        throw new ConflictError(
          `webhook ${endpoint.id} is disabled; re-enable it (PUT is_active: true) before recovering its deliveries`,
        );
      }
      let queued = 0;
      let before: string | undefined;
      do {
        const page = await deliveries.listDeliveries(endpoint.id, {
          since,
          statuses: RECOVERABLE_STATUSES,
          limit: PAGE_SIZE,
          ...(before ? { before } : {}),
        });
        const resends = page.items.map(
          (d): ResendMessage => ({
            kind: "resend",
            tenant_id: tenantId,
            webhook_id: d.webhook_id,
            delivery_id: d.id,
            attempt: d.attempt_count + 1,
          }),
        );
        await deps.queue.publishAll(resends);
        queued += resends.length;
        before = page.continueAfter;
      } while (before);
      return { queued };
    },
  };
}

export type DeliveryOperations = ReturnType<typeof deliveryOperations>;
