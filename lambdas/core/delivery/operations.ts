/**
 * @module What an integrator can do about deliveries (docs/api.md): send a test event, resend
 * one delivery now, and recover everything an outage failed or skipped. Test and
 * resend answer with the attempt made; recover hands its work to the queue.
 */
import * as z from "zod/mini";
import { type DeliveryView, toDeliveryView } from "./model";
import { findDelivery } from "./log";
import type { DeliveryStore } from "./ports";
import type { EventCatalog } from "../catalog/catalog";
import { ConflictError, ValidationError } from "../errors";
import type { EventDelivery } from "./index";
import type { Recovery } from "./recovery";
import { lazySchema, noParametersSchema, parseInput } from "../validation";
import { findEndpoint } from "../webhook-queries";
import type { WebhookStore } from "../webhook-store";

export interface DeliveryOperationsDeps {
  readonly endpoints: WebhookStore;
  readonly deliveries: Pick<DeliveryStore, "getDelivery">;
  readonly delivery: Pick<EventDelivery, "sendTest" | "resendNow">;
  /** Where a test finds the example of the type it asks for. */
  readonly catalog: EventCatalog;
  readonly recovery: Pick<Recovery, "queuePart">;
  readonly clock?: () => Date;
}

export const testSchema = lazySchema(() =>
  z.strictObject({
    event_type: z.optional(
      z.string().check(z.minLength(1, "event_type names a catalog type"), z.maxLength(200)),
    ),
  }),
);

export const recoverSchema = lazySchema(() =>
  z.strictObject({
    since: z.iso.datetime({
      offset: true,
      message: "since is an ISO 8601 date-time, like 2026-02-15T10:30:00Z",
    }),
  }),
);

export function deliveryOperations(deps: DeliveryOperationsDeps) {
  const { endpoints, deliveries } = deps;
  const clock = deps.clock ?? (() => new Date());

  return {
    async test(tenantId: string, webhookId: string, body: unknown): Promise<DeliveryView> {
      const { event_type: type } = parseInput(testSchema, body, "test request");
      const endpoint = await findEndpoint(endpoints, tenantId, webhookId);
      if (type === undefined) return toDeliveryView(await deps.delivery.sendTest(endpoint));
      const definition = (await deps.catalog.types()).find((entry) => entry.type === type);
      const problem = !definition
        ? `${type} is not in the event-type catalog; see GET /v1/webhooks/events`
        : definition.example === undefined
          ? `${type} has no example to send; send a plain test instead`
          : undefined;
      if (problem)
        throw new ValidationError(problem, { details: [{ field: "event_type", message: problem }] });
      return toDeliveryView(await deps.delivery.sendTest(endpoint, { type, data: definition?.example }));
    },

    async retry(
      tenantId: string,
      webhookId: string,
      deliveryId: string,
      body: unknown,
    ): Promise<DeliveryView> {
      parseInput(noParametersSchema, body, "retry request");
      const endpoint = await findEndpoint(endpoints, tenantId, webhookId);
      const delivery = await findDelivery(deliveries, endpoint.id, tenantId, deliveryId);
      return toDeliveryView(await deps.delivery.resendNow(delivery, endpoint));
    },

    /**
     * Queues a resend of every failed or skipped delivery created since `since`, and answers how
     * many; on a long log, how many so far, with the rest continuing through the queue.
     */
    async recover(
      tenantId: string,
      webhookId: string,
      body: unknown,
    ): Promise<{ queued: number; continuing: boolean }> {
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
      return deps.recovery.queuePart({ tenantId, webhookId: endpoint.id, since });
    },
  };
}
