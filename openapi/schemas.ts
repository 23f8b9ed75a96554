/**
 * @module The shapes the API answers, as zod schemas for the OpenAPI document. The handlers
 * build their answers from TypeScript types in lambdas/core; each schema here is checked against
 * its type at compile time (`Same` below, both ways), and the contract test validates the API's
 * real answers against the document, so neither can drift from what the API does.
 */
import * as z from "zod/mini";
import { ATTEMPT_ERRORS } from "../lambdas/core/webhook-sender";
import {
  DELIVERY_STATUSES,
  type DeliverySummaryView,
  type DeliveryView,
} from "../lambdas/core/delivery/model";
import type { EventTypeView } from "../lambdas/core/catalog/event-type";
import type { TenantEventTypeView } from "../lambdas/core/catalog/catalog";
import { type ApiKeyView, CREDENTIAL_ID, type IssuedApiKey, TOKEN_PREFIX } from "../lambdas/core/api-keys";
import type { PortalSessionView, RevokedPortalSession } from "../lambdas/core/portal-sessions";
import type { WebhookEndpointView } from "../lambdas/core/webhook-endpoint";
import type { CreatedWebhook } from "../lambdas/core/webhook-management";
import { HTTP_METHODS } from "../lambdas/core/webhook-request";
import { ERROR_CODES } from "../lambdas/adapters/http-error-envelope";

const timestamp = () => z.iso.datetime({ offset: true });
const nullable = <T extends z.ZodMiniType>(schema: T) => z.nullable(schema);
const text = () => z.string();

export const endpointHealthSchema = z.object({
  state: z.enum(["healthy", "slow", "open"]),
  since: nullable(timestamp()),
  consecutive_failures: z.number().check(z.int(), z.gte(0)),
  next_probe_at: nullable(timestamp()),
});

const filterValue = () => z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const webhookEndpointSchema = z.object({
  id: z.uuid(),
  name: text(),
  slug: text(),
  url: text(),
  http_method: z.enum(HTTP_METHODS),
  events: z.array(text()),
  description: nullable(text()),
  is_active: z.boolean(),
  headers: z.record(z.string(), z.string()),
  field_mapping: z.record(z.string(), z.string()),
  filter: nullable(z.record(z.string(), z.array(filterValue()))),
  target_pipeline_id: nullable(text()),
  target_column_id: nullable(text()),
  health: endpointHealthSchema,
  disabled_reason: nullable(z.enum(["delivery_failed", "gone", "manual"])),
  disabled_at: nullable(timestamp()),
  created_at: timestamp(),
  updated_at: timestamp(),
});

export const createdWebhookSchema = z.extend(webhookEndpointSchema, {
  secret_token: z.string().check(z.startsWith("whsec_")),
});

export const deletedWebhookSchema = z.object({ id: z.uuid(), deleted: z.literal(true) });

export const deliveryAttemptSchema = z.object({
  number: z.number().check(z.int(), z.gte(1)),
  attempted_at: timestamp(),
  status_code: nullable(z.number().check(z.int())),
  error: nullable(z.enum(ATTEMPT_ERRORS)),
  duration_ms: z.number().check(z.gte(0)),
  response_body: text(),
});

export const deliverySummarySchema = z.object({
  id: z.string().check(z.startsWith("msg_")),
  webhook_id: z.uuid(),
  event_id: text(),
  event_type: text(),
  status: z.enum(DELIVERY_STATUSES),
  attempt_count: z.number().check(z.int(), z.gte(0)),
  next_attempt_at: nullable(timestamp()),
  created_at: timestamp(),
  updated_at: timestamp(),
});

export const deliverySchema = z.extend(deliverySummarySchema, { attempts: z.array(deliveryAttemptSchema) });

export const recoverResultSchema = z.object({
  queued: z.number().check(z.int(), z.gte(0)),
  continuing: z.boolean(),
});

export const acceptedEventSchema = z.object({ id: text(), type: text(), tenant_id: text() });

const eventTypeFields = {
  type: text(),
  description: text(),
  schema: z.optional(z.record(z.string(), z.unknown())),
  example: z.optional(z.unknown()),
  deprecated: z.boolean(),
};

export const tenantEventTypeSchema = z.object(eventTypeFields);

export const eventTypeSchema = z.object({
  ...eventTypeFields,
  created_at: timestamp(),
  updated_at: timestamp(),
});

export const deletedEventTypeSchema = z.object({ type: text(), deleted: z.literal(true) });

export const apiKeySchema = z.object({
  key_id: z.string().check(z.regex(CREDENTIAL_ID)),
  name: nullable(text()),
  created_at: timestamp(),
  expires_at: nullable(timestamp()),
  last_used_at: nullable(timestamp()),
});

export const issuedApiKeySchema = z.extend(apiKeySchema, {
  key: z.string().check(z.startsWith(TOKEN_PREFIX.api_key)),
  tenant_id: text(),
});

export const revokedApiKeySchema = z.object({ key_id: text(), revoked: z.literal(true) });

export const portalSessionSchema = z.object({
  session_id: z.string().check(z.regex(CREDENTIAL_ID)),
  tenant_id: text(),
  expires_at: timestamp(),
  url: z.url().check(z.includes(`/portal#session=${TOKEN_PREFIX.portal_session}`)),
});

export const revokedPortalSessionSchema = z.object({ session_id: text(), revoked: z.literal(true) });

export const pagePaginationSchema = z.object({
  page: z.number().check(z.int(), z.gte(1)),
  limit: z.number().check(z.int(), z.gte(1)),
  total: z.number().check(z.int(), z.gte(0)),
  pages: z.number().check(z.int(), z.gte(0)),
});

export const cursorPaginationSchema = z.object({
  limit: z.number().check(z.int(), z.gte(1)),
  next_cursor: nullable(text()),
});

/** The error envelope every route answers a refusal with (docs/api.md, Envelope). */
export const errorEnvelopeSchema = z.object({
  success: z.literal(false),
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: text(),
    details: z.optional(z.array(z.object({ field: text(), message: text() }))),
  }),
});

/**
 * API Gateway's own refusals, made before any Lambda runs (docs/api.md, Errors): a request with no
 * Authorization header (401), an operators' call unsigned or signed by an identity not allowed
 * (403), the stage's throttle (429). HTTP APIs cannot put these in the envelope.
 */
export const gatewayErrorSchema = z.object({ message: text() });

/** A 401 or 403: the API's envelope, or API Gateway's own answer. */
export const authRefusalSchema = z.union([errorEnvelopeSchema, gatewayErrorSchema]);

/** `{ success: true, data }`, and `pagination` on lists. */
export function successEnvelope<D extends z.ZodMiniType>(data: D) {
  return z.object({ success: z.literal(true), data });
}

export function listEnvelope<D extends z.ZodMiniType, P extends z.ZodMiniType>(data: D, pagination: P) {
  return z.object({ success: z.literal(true), data: z.array(data), pagination });
}

// Compile-time checks: each schema's output is the type the handlers answer, in both directions.
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
type Same<S extends z.ZodMiniType, T> = [DeepReadonly<z.output<S>>] extends [DeepReadonly<T>]
  ? [DeepReadonly<T>] extends [DeepReadonly<z.output<S>>]
    ? true
    : false
  : false;
type Holds<T extends true> = T;

export type SchemasMatchTheirTypes = [
  Holds<Same<typeof webhookEndpointSchema, WebhookEndpointView>>,
  Holds<Same<typeof createdWebhookSchema, CreatedWebhook>>,
  Holds<Same<typeof deliverySummarySchema, DeliverySummaryView>>,
  Holds<Same<typeof deliverySchema, DeliveryView>>,
  Holds<Same<typeof eventTypeSchema, EventTypeView>>,
  Holds<Same<typeof tenantEventTypeSchema, TenantEventTypeView>>,
  Holds<Same<typeof apiKeySchema, ApiKeyView>>,
  Holds<Same<typeof issuedApiKeySchema, IssuedApiKey>>,
  Holds<Same<typeof portalSessionSchema, PortalSessionView>>,
  Holds<Same<typeof revokedPortalSessionSchema, RevokedPortalSession>>,
];
