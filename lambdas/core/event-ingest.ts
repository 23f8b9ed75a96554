/** @module POST /v1/events: the HTTP door to the events queue (docs/events.md). */
import { randomUUID } from "node:crypto";
import type { EventChecker } from "./catalog/event-check";
import { ForbiddenError, ValidationError } from "./errors";
import { type EventMessage, httpEventSchema } from "./event-message";
import { parseInput } from "./validation";

export interface EventPublisher {
  publish(message: EventMessage): Promise<void>;
}

export async function acceptHttpEvent(
  publisher: EventPublisher,
  eventCheck: Pick<EventChecker, "check">,
  tenantId: string,
  body: unknown,
  now: Date = new Date(),
): Promise<{ id: string; type: string; tenant_id: string }> {
  const input = parseInput(httpEventSchema, body, "event");
  if (input.tenant_id !== undefined && input.tenant_id !== tenantId) {
    throw new ForbiddenError("tenant_id names another tenant; leave it out to use your API key's tenant");
  }
  // The worker checks again against the catalog as it is then; refusing here tells the producer now.
  const verdict = await eventCheck.check(input.type, input.data);
  if (!verdict.ok) {
    throw new ValidationError(`invalid event: ${verdict.message}`, {
      details: [{ field: verdict.field, message: verdict.message }],
    });
  }
  const message: EventMessage = {
    ...input,
    tenant_id: tenantId,
    id: input.id ?? `evt_${randomUUID()}`,
    occurred_at: input.occurred_at ?? now.toISOString(),
  };
  await publisher.publish(message);
  return { id: message.id as string, type: message.type, tenant_id: tenantId };
}
