/**
 * @module What travels on the events queue: producers' events (docs/events.md), and the
 * platform's own messages, told apart by `kind`: retries that Scheduler puts
 * back when they are due, and platform events such as webhook.disabled.
 */
import * as z from "zod/mini";
import { tenantIdSchema } from "./api-keys";
import { DELIVERY_ID_PATTERN } from "./delivery/model";
import { type EventMessage, eventMessageSchemaForText } from "./event-message";
import { PLATFORM_EVENT_TYPES } from "./event-types";
import { lazySchema } from "./validation";

/** Which delivery a retry or a resend message is for. */
const deliveryAttemptFields = () => ({
  tenant_id: tenantIdSchema,
  webhook_id: z.string().check(z.minLength(1)),
  delivery_id: z.string().check(z.minLength(1)),
});

export const retryMessageSchema = lazySchema(() =>
  z.strictObject({
    kind: z.literal("retry"),
    ...deliveryAttemptFields(),
    /**
     * The attempt this message is for: 2..n when Scheduler puts a due retry back, 1 when the
     * fan-out hands a new delivery to the slow lane.
     */
    attempt: z.number().check(z.int(), z.gte(1)),
  }),
);
export type RetryMessage = z.output<typeof retryMessageSchema>;

/** An operator's recover (docs/api.md): send a failed or skipped delivery once more, as attempt `attempt`. */
export const resendMessageSchema = lazySchema(() =>
  z.strictObject({
    kind: z.literal("resend"),
    ...deliveryAttemptFields(),
    attempt: z.number().check(z.int(), z.gte(1)),
  }),
);
export type ResendMessage = z.output<typeof resendMessageSchema>;

/** The next part of a recover too long for one API request: resend from `before` back to `since`. */
export const recoverMessageSchema = lazySchema(() =>
  z.strictObject({
    kind: z.literal("recover"),
    tenant_id: tenantIdSchema,
    webhook_id: z.string().check(z.minLength(1)),
    since: z.iso.datetime({ offset: true }),
    before: z.string().check(z.regex(DELIVERY_ID_PATTERN)),
  }),
);
export type RecoverMessage = z.output<typeof recoverMessageSchema>;

/** Probe `probe` (1-based) of the circuit breaker that opened at `opened_at` (docs/delivery.md). */
export const probeMessageSchema = lazySchema(() =>
  z.strictObject({
    kind: z.literal("probe"),
    tenant_id: tenantIdSchema,
    webhook_id: z.string().check(z.minLength(1)),
    opened_at: z.iso.datetime({ offset: true }),
    probe: z.number().check(z.int(), z.gte(1)),
  }),
);
export type ProbeMessage = z.output<typeof probeMessageSchema>;

/**
 * One part of a walk over an endpoint's parked deliveries, oldest first, from
 * `from` on: `send` drains them after the breaker closed, `skip` records them
 * skipped (the endpoint is disabled), `cancel` cancelled (it is deleted).
 */
export const drainMessageSchema = lazySchema(() =>
  z.strictObject({
    kind: z.literal("drain"),
    tenant_id: tenantIdSchema,
    webhook_id: z.string().check(z.minLength(1)),
    mode: z.enum(["send", "skip", "cancel"]),
    /** The first delivery id the part may look at (inclusive). */
    from: z.string(),
    /** Not before this time (a Retry-After longer than SQS can hold a message back). */
    not_before: z.optional(z.iso.datetime({ offset: true })),
    /** Where the walk began; its last pass, the sweep, goes over it again from there. */
    start: z.optional(z.string()),
    sweep: z.optional(z.boolean()),
  }),
);
export type DrainMessage = z.output<typeof drainMessageSchema>;
export type DrainMode = DrainMessage["mode"];

export const platformEventMessageSchema = lazySchema(() =>
  z.strictObject({
    kind: z.literal("platform_event"),
    tenant_id: tenantIdSchema,
    event: z.strictObject({
      id: z.string().check(z.minLength(1)),
      type: z.enum([PLATFORM_EVENT_TYPES.disabled]),
      created_at: z.string(),
      data: z.json(),
    }),
    /** The endpoint the event is about, which does not receive it. */
    exclude_webhook_id: z.optional(z.string()),
  }),
);
export type PlatformEventMessage = z.output<typeof platformEventMessageSchema>;

/** The messages the platform itself puts on the queue. */
export type PlatformMessage =
  RetryMessage | ResendMessage | RecoverMessage | ProbeMessage | DrainMessage | PlatformEventMessage;

/** What the slow lane's queue carries: work for one endpoint that may wait on it for seconds. */
export type SlowLaneMessage = RetryMessage | ResendMessage | ProbeMessage | DrainMessage;

export type QueueMessage = { readonly kind: "event"; readonly event: EventMessage } | PlatformMessage;

/** The platform's own messages by `kind`; a message without one of these is a producer's event. */
const PLATFORM_MESSAGE_SCHEMAS = new Map<string, z.ZodMiniType<PlatformMessage>>([
  ["retry", retryMessageSchema],
  ["resend", resendMessageSchema],
  ["recover", recoverMessageSchema],
  ["probe", probeMessageSchema],
  ["drain", drainMessageSchema],
  ["platform_event", platformEventMessageSchema],
]);

export type ParsedQueueMessage = { ok: true; message: QueueMessage } | { ok: false; reason: string };

function issues(error: z.core.$ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "message"}: ${i.message}`).join("; ");
}

export function parseQueueMessage(body: string): ParsedQueueMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: `the message body is not JSON: ${(error as Error).message}` };
  }
  const kind = json !== null && typeof json === "object" ? (json as { kind?: unknown }).kind : undefined;
  const platformSchema = typeof kind === "string" ? PLATFORM_MESSAGE_SCHEMAS.get(kind) : undefined;
  if (platformSchema) {
    const platform = platformSchema.safeParse(json);
    return platform.success
      ? { ok: true, message: platform.data }
      : { ok: false, reason: issues(platform.error) };
  }
  const event = eventMessageSchemaForText(Buffer.byteLength(body)).safeParse(json);
  return event.success
    ? { ok: true, message: { kind: "event", event: event.data } }
    : { ok: false, reason: `not a valid event: ${issues(event.error)}` };
}
