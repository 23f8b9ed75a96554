/**
 * @module An operator's event type: its name rules, what a PUT may carry, and how
 * it is shown. Names keep the case the operator gives (`crm.lead.created`,
 * `WEBHOOK.CONVERTED`, `crm_deal_created`): letters, digits and `_` in
 * dot-separated segments.
 */
import * as z from "zod/mini";
import { MAX_DATA_BYTES } from "../event-message";
import { EVENT_TYPE_NAME, isReservedEventType, MAX_EVENT_TYPE_LENGTH } from "../event-types";
import { lazySchema, trimmedText } from "../validation";

/** A schema bigger than this, as JSON, is refused: every ingest of the type runs it. */
export const MAX_SCHEMA_BYTES = 64 * 1024;

export const eventTypeNameSchema = lazySchema(() =>
  z.string().check(
    z.maxLength(MAX_EVENT_TYPE_LENGTH, `an event type is at most ${MAX_EVENT_TYPE_LENGTH} characters`),
    z.regex(
      EVENT_TYPE_NAME,
      "an event type is letters, digits and _ in dot-separated segments, like crm.lead.created",
    ),
    z.refine((type) => !isReservedEventType(type), "webhook.* event types belong to the platform"),
  ),
);

export interface EventTypeDefinition {
  readonly type: string;
  readonly description: string;
  /** A JSON Schema (2020-12) every event's `data` must pass at ingest; null when unchecked. */
  readonly schema: Readonly<Record<string, unknown>> | null;
  /** What POST /v1/webhooks/{id}/test sends for the type; undefined when it has none. */
  readonly example: unknown;
  /** Still accepted and subscribable; flagged so integrators move off it. */
  readonly deprecated: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** The body of PUT /admin/v1/event-types/{type}. The schema is compiled (and refused) elsewhere. */
export const putEventTypeSchema = lazySchema(() =>
  z.strictObject({
    description: trimmedText("description", 500),
    schema: z.optional(
      z.nullable(
        z
          .record(z.string(), z.unknown(), "schema is a JSON Schema object")
          .check(
            z.refine(
              (schema) => jsonBytes(schema) <= MAX_SCHEMA_BYTES,
              `schema is at most ${MAX_SCHEMA_BYTES / 1024} KB as JSON`,
            ),
          ),
      ),
    ),
    example: z.optional(
      z
        .json()
        .check(
          z.refine(
            (example) => jsonBytes(example) <= MAX_DATA_BYTES,
            `example is at most ${MAX_DATA_BYTES / 1024} KB as JSON`,
          ),
        ),
    ),
    deprecated: z.optional(z.boolean()),
  }),
);
export type PutEventTypeInput = z.output<typeof putEventTypeSchema>;

export interface EventTypeView {
  readonly type: string;
  readonly description: string;
  readonly schema?: Readonly<Record<string, unknown>>;
  readonly example?: unknown;
  readonly deprecated: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

/** Fields in a fixed order; `schema` and `example` only when the type has them. */
export function toEventTypeView(definition: EventTypeDefinition): EventTypeView {
  return {
    type: definition.type,
    description: definition.description,
    ...(definition.schema ? { schema: definition.schema } : {}),
    ...(definition.example === undefined ? {} : { example: definition.example }),
    deprecated: definition.deprecated,
    created_at: definition.created_at,
    updated_at: definition.updated_at,
  };
}
