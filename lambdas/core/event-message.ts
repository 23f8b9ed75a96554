import * as z from "zod";
import { tenantIdSchema } from "./api-keys";
import { EVENT_CATALOG, PLATFORM_EVENT_TYPES } from "./event-types";

/** SPEC 3: the event a producer puts on the queue (or POSTs to /v1/events). */
export const MAX_DATA_BYTES = 256 * 1024;

const platformTypes = new Set<string>(Object.values(PLATFORM_EVENT_TYPES));
const producerTypes = new Set(EVENT_CATALOG.map((e) => e.type).filter((t) => !platformTypes.has(t)));

const eventFields = {
  tenant_id: tenantIdSchema,
  type: z
    .string()
    .refine((t) => !platformTypes.has(t), {
      message: "webhook.* events are sent by the platform itself",
      abort: true,
    })
    .refine((t) => producerTypes.has(t), "unknown event type; see GET /v1/webhooks/events"),
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "id is 1-128 letters, digits, _ . : or -")
    .optional(),
  occurred_at: z.iso.datetime({ offset: true, message: "occurred_at is an ISO 8601 date-time" }).optional(),
  data: z
    .json()
    .refine(
      (data) => Buffer.byteLength(JSON.stringify(data)) <= MAX_DATA_BYTES,
      "data is at most 256 KB as JSON",
    )
    .default({}),
};

export const eventMessageSchema = z.strictObject(eventFields);
export type EventMessage = z.output<typeof eventMessageSchema>;

/** Over HTTP the tenant comes from the API key, so tenant_id may be left out. */
export const httpEventSchema = z.strictObject({ ...eventFields, tenant_id: tenantIdSchema.optional() });
