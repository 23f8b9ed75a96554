/** @module docs/events.md: the event a producer puts on the queue (or POSTs to /v1/events). */
import * as z from "zod/mini";
import { tenantIdSchema } from "./api-keys";
import { EVENT_TYPE_NAME, isReservedEventType, MAX_EVENT_TYPE_LENGTH } from "./event-types";
import { lazySchema } from "./validation";

export const MAX_DATA_BYTES = 256 * 1024;

// Data comes out of JSON.parse on both doors (the queue and POST /v1/events), so it is JSON by
// construction; validating that again cost more than the rest of the message.
const anyData = () => z.unknown();
const dataWithinLimit = () =>
  anyData().check(
    z.refine(
      (data) => Buffer.byteLength(JSON.stringify(data)) <= MAX_DATA_BYTES,
      "data is at most 256 KB as JSON",
    ),
  );

const eventFields = () => ({
  tenant_id: tenantIdSchema,
  // Whether the catalog has the type (and what its data must look like) is checked after this
  // shape, against the catalog as it is now (./catalog/event-check.ts).
  type: z.string().check(
    z.maxLength(MAX_EVENT_TYPE_LENGTH, `an event type is at most ${MAX_EVENT_TYPE_LENGTH} characters`),
    z.regex(EVENT_TYPE_NAME, "an event type is letters, digits and _ in dot-separated segments"),
    z.refine((t) => !isReservedEventType(t), "webhook.* events are sent by the platform itself"),
  ),
  id: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "id is 1-128 letters, digits, _ . : or -")),
  ),
  occurred_at: z.optional(z.iso.datetime({ offset: true, message: "occurred_at is an ISO 8601 date-time" })),
  data: z._default(dataWithinLimit(), {}),
});

export const eventMessageSchema = lazySchema(() => z.strictObject(eventFields()));
export type EventMessage = z.output<typeof eventMessageSchema>;

/** Over HTTP the tenant comes from the API key, so tenant_id may be left out. */
export const httpEventSchema = lazySchema(() =>
  z.strictObject({ ...eventFields(), tenant_id: z.optional(tenantIdSchema) }),
);

/**
 * Parsed JSON serialises again to no more bytes than its text, but for numbers
 * (`1e20`, 4 characters, prints as 21 digits) and unpaired surrogates (3 bytes
 * in UTF-8, 6 as a \u escape). So data parsed from a text of n bytes is at
 * most n * 21 / 4 bytes as JSON.
 */
const MAX_JSON_GROWTH = 21 / 4;
/** For a text too short to hold data over the limit. */
const shortTextEventMessageSchema = lazySchema(() =>
  z.strictObject({ ...eventFields(), data: z._default(anyData(), {}) }),
);

/**
 * eventMessageSchema for a message parsed from a JSON text of `textBytes`
 * bytes. A text too short to hold data over the limit skips serialising the
 * data again to measure it: the same verdicts, without the cost on every
 * ordinary message.
 */
export function eventMessageSchemaForText(textBytes: number): typeof eventMessageSchema {
  return textBytes * MAX_JSON_GROWTH <= MAX_DATA_BYTES ? shortTextEventMessageSchema : eventMessageSchema;
}
