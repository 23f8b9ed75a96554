/**
 * @module What the OpenAPI document says of each route of lambdas/functions.ts: its summary,
 * parameters, body and answers. Request schemas are the ones the handlers validate with
 * (lambdas/core), never a copy; answers are ./schemas.ts. A route of `apiRoutes` missing here
 * fails the document's build, so a new route cannot go undocumented.
 */
import * as z from "zod/mini";
import { DELIVERY_ID_PATTERN, DELIVERY_STATUSES } from "../lambdas/core/delivery/model";
import { listDeliveriesQuerySchema } from "../lambdas/core/delivery/log";
import { recoverSchema, testSchema } from "../lambdas/core/delivery/operations";
import { httpEventSchema } from "../lambdas/core/event-message";
import { eventTypeNameSchema, putEventTypeSchema } from "../lambdas/core/catalog/event-type";
import { CREDENTIAL_ID, createKeySchema, tenantIdSchema } from "../lambdas/core/api-keys";
import { createPortalSessionSchema } from "../lambdas/core/portal-sessions";
import {
  createWebhookSchema,
  listWebhooksQuerySchema,
  updateWebhookSchema,
  webhookIdSchema,
} from "../lambdas/core/webhook-endpoint";
import { noParametersSchema } from "../lambdas/core/validation";
import {
  acceptedEventSchema,
  apiKeySchema,
  createdWebhookSchema,
  cursorPaginationSchema,
  deletedEventTypeSchema,
  deletedWebhookSchema,
  deliverySchema,
  deliverySummarySchema,
  eventTypeSchema,
  issuedApiKeySchema,
  listEnvelope,
  pagePaginationSchema,
  portalSessionSchema,
  recoverResultSchema,
  revokedApiKeySchema,
  revokedPortalSessionSchema,
  successEnvelope,
  tenantEventTypeSchema,
  webhookEndpointSchema,
} from "./schemas";
import * as examples from "./examples";

export type Tag =
  "Endpoints" | "Delivery log" | "Events" | "Event types" | "API keys" | "Portal sessions" | "OpenAPI";

export interface Answer {
  readonly description: string;
  readonly schema: z.ZodMiniType;
  readonly example?: unknown;
  /** A component name for the answer's schema. */
  readonly name: string;
}

export interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: Tag;
  readonly path?: Readonly<Record<string, z.ZodMiniType>>;
  readonly query?: z.ZodMiniType;
  /** What a query parameter means, where its schema cannot say it (a list in one string). */
  readonly queryDescriptions?: Readonly<Record<string, string>>;
  readonly body?: {
    readonly schema: z.ZodMiniType;
    readonly name: string;
    readonly required: boolean;
    readonly example?: unknown;
  };
  readonly answers: Readonly<Record<number, Answer>>;
  /** Refusals besides the ones every route of its kind can answer (400, 401, 500...). */
  readonly errors?: readonly number[];
}

const endpointId = { id: webhookIdSchema };
const deliveryId = { ...endpointId, delivery_id: z.string().check(z.regex(DELIVERY_ID_PATTERN)) };
const tenantId = { tenant_id: tenantIdSchema };
const eventType = { type: eventTypeNameSchema };
const keyId = z.string().check(z.regex(CREDENTIAL_ID));

const endpointAnswer = (description: string): Answer => ({
  description,
  name: "EndpointResponse",
  schema: successEnvelope(webhookEndpointSchema),
  example: { success: true, data: examples.endpoint },
});
const createdAnswer = (description: string): Answer => ({
  description,
  name: "CreatedEndpointResponse",
  schema: successEnvelope(createdWebhookSchema),
  example: { success: true, data: examples.createdEndpoint },
});
const deliveryAnswer = (description: string): Answer => ({
  description,
  name: "DeliveryResponse",
  schema: successEnvelope(deliverySchema),
  example: { success: true, data: examples.delivery },
});
const eventTypeAnswer = (description: string): Answer => ({
  description,
  name: "EventTypeResponse",
  schema: successEnvelope(eventTypeSchema),
  example: { success: true, data: examples.eventType },
});

export const operations: Readonly<Record<string, Operation>> = {
  "GET /v1/webhooks": {
    operationId: "listEndpoints",
    summary: "List the tenant's endpoints, newest first",
    tag: "Endpoints",
    query: listWebhooksQuerySchema,
    queryDescriptions: {
      active: "`true`: only active endpoints; `false`: only disabled ones; left out: all",
    },
    answers: {
      200: {
        description: "A page of endpoints",
        name: "EndpointListResponse",
        schema: listEnvelope(webhookEndpointSchema, pagePaginationSchema),
        example: {
          success: true,
          data: [examples.endpoint],
          pagination: { page: 1, limit: 20, total: 1, pages: 1 },
        },
      },
    },
  },
  "POST /v1/webhooks": {
    operationId: "createEndpoint",
    summary: "Create an endpoint",
    description:
      "Verifies the URL with a signed `webhook.verification` POST first (2xx within 3 s), unless `verify` is false. The answer carries `secret_token`, shown only here.",
    tag: "Endpoints",
    body: {
      schema: createWebhookSchema,
      name: "CreateEndpointRequest",
      required: true,
      example: examples.createEndpoint,
    },
    answers: { 201: createdAnswer("The endpoint, with its signing secret (shown once)") },
    errors: [409, 413, 415, 422],
  },
  "GET /v1/webhooks/events": {
    operationId: "listSubscribableEventTypes",
    summary: "The event types endpoints may subscribe to",
    tag: "Events",
    query: noParametersSchema,
    answers: {
      200: {
        description: "The operator's catalog by name, then the platform's own types",
        name: "TenantEventTypeListResponse",
        schema: successEnvelope(z.array(tenantEventTypeSchema)),
        example: { success: true, data: [examples.tenantEventType] },
      },
    },
  },
  "GET /v1/webhooks/{id}": {
    operationId: "getEndpoint",
    summary: "One endpoint",
    tag: "Endpoints",
    path: endpointId,
    answers: { 200: endpointAnswer("The endpoint") },
    errors: [404],
  },
  "PUT /v1/webhooks/{id}": {
    operationId: "updateEndpoint",
    summary: "Change some of an endpoint's fields",
    description:
      "A partial update: fields left out keep their values, `null` clears a nullable one. `is_active` disables or re-enables the endpoint. A new `url` is verified again unless `verify` is false.",
    tag: "Endpoints",
    path: endpointId,
    body: {
      schema: updateWebhookSchema,
      name: "UpdateEndpointRequest",
      required: true,
      example: { is_active: true },
    },
    answers: { 200: endpointAnswer("The endpoint as changed") },
    errors: [404, 409, 413, 415, 422],
  },
  "DELETE /v1/webhooks/{id}": {
    operationId: "deleteEndpoint",
    summary: "Delete an endpoint",
    tag: "Endpoints",
    path: endpointId,
    answers: {
      200: {
        description: "Deleted",
        name: "DeletedEndpointResponse",
        schema: successEnvelope(deletedWebhookSchema),
        example: { success: true, data: { id: examples.endpoint.id, deleted: true } },
      },
    },
    errors: [404, 409],
  },
  "POST /v1/webhooks/{id}/rotate-secret": {
    operationId: "rotateEndpointSecret",
    summary: "Give the endpoint a new signing secret",
    description: "The old secret keeps signing alongside the new one for 24 hours.",
    tag: "Endpoints",
    path: endpointId,
    body: { schema: noParametersSchema, name: "NoParameters", required: false },
    answers: { 200: createdAnswer("The endpoint, with its new secret (shown once)") },
    errors: [404, 409, 413, 415],
  },
  "GET /v1/webhooks/{id}/deliveries": {
    operationId: "listDeliveries",
    summary: "The endpoint's delivery log, newest first",
    description:
      "Cursor paging: pass `next_cursor` unchanged. A filtered page reads at most 1,000 deliveries, so it may be short, even empty, and still have a `next_cursor`.",
    tag: "Delivery log",
    path: endpointId,
    query: listDeliveriesQuerySchema,
    queryDescriptions: {
      status: `One or more delivery statuses, comma-separated (failed,retrying): ${DELIVERY_STATUSES.join(", ")}`,
      cursor: "`next_cursor` of the previous page, unchanged",
    },
    answers: {
      200: {
        description: "A page of deliveries",
        name: "DeliveryListResponse",
        schema: listEnvelope(deliverySummarySchema, cursorPaginationSchema),
        example: {
          success: true,
          data: [examples.deliverySummary],
          pagination: { limit: 20, next_cursor: null },
        },
      },
    },
    errors: [404],
  },
  "GET /v1/webhooks/{id}/deliveries/{delivery_id}": {
    operationId: "getDelivery",
    summary: "One delivery with every attempt",
    tag: "Delivery log",
    path: deliveryId,
    answers: { 200: deliveryAnswer("The delivery, attempts oldest first") },
    errors: [404],
  },
  "POST /v1/webhooks/{id}/test": {
    operationId: "sendTestEvent",
    summary: "Send a test event to the endpoint now",
    description:
      "No body: a `webhook.test` event. `event_type`: that catalog type's example. Never retried; never changes health.",
    tag: "Delivery log",
    path: endpointId,
    body: {
      schema: testSchema,
      name: "TestRequest",
      required: false,
      example: { event_type: "crm.lead.created" },
    },
    answers: { 200: deliveryAnswer("The test delivery with its attempt") },
    errors: [404, 413, 415],
  },
  "POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry": {
    operationId: "retryDelivery",
    summary: "Send a delivery's next attempt now",
    tag: "Delivery log",
    path: deliveryId,
    body: { schema: noParametersSchema, name: "NoParameters", required: false },
    answers: { 200: deliveryAnswer("The delivery with its attempts") },
    errors: [404, 409, 413, 415],
  },
  "POST /v1/webhooks/{id}/recover": {
    operationId: "recoverDeliveries",
    summary: "Resend every failed or skipped delivery since a time",
    tag: "Delivery log",
    path: endpointId,
    body: {
      schema: recoverSchema,
      name: "RecoverRequest",
      required: true,
      example: { since: "2026-11-23T00:00:00Z" },
    },
    answers: {
      202: {
        description: "Resends queued on the slow lane",
        name: "RecoverResponse",
        schema: successEnvelope(recoverResultSchema),
        example: { success: true, data: { queued: 3, continuing: false } },
      },
    },
    errors: [404, 409, 413, 415],
  },
  "POST /v1/events": {
    operationId: "sendEvent",
    summary: "Send an event to the tenant's subscribed endpoints",
    description:
      "Checked against the event-type catalog (the type must exist; `data` must pass its schema), then queued. `tenant_id` may be left out: the API key names the tenant.",
    tag: "Events",
    body: { schema: httpEventSchema, name: "EventRequest", required: true, example: examples.event },
    answers: {
      202: {
        description: "Queued for delivery",
        name: "AcceptedEventResponse",
        schema: successEnvelope(acceptedEventSchema),
        example: { success: true, data: { id: "evt_4711", type: "crm.lead.created", tenant_id: "acme" } },
      },
    },
    errors: [403, 413, 415],
  },
  "GET /admin/v1/event-types": {
    operationId: "listEventTypes",
    summary: "The event-type catalog, by name",
    tag: "Event types",
    query: noParametersSchema,
    answers: {
      200: {
        description: "Every event type",
        name: "EventTypeListResponse",
        schema: successEnvelope(z.array(eventTypeSchema)),
        example: { success: true, data: [examples.eventType] },
      },
    },
  },
  "GET /admin/v1/event-types/{type}": {
    operationId: "getEventType",
    summary: "One event type",
    tag: "Event types",
    path: eventType,
    answers: { 200: eventTypeAnswer("The event type") },
    errors: [404],
  },
  "PUT /admin/v1/event-types/{type}": {
    operationId: "putEventType",
    summary: "Create or replace an event type",
    description:
      "`schema` is a JSON Schema (2020-12) every event's `data` must pass; `example` must pass it and is what tests of the type send.",
    tag: "Event types",
    path: eventType,
    body: {
      schema: putEventTypeSchema,
      name: "PutEventTypeRequest",
      required: true,
      example: examples.putEventType,
    },
    answers: {
      200: eventTypeAnswer("Replaced"),
      201: eventTypeAnswer("Created"),
    },
    errors: [409, 413, 415],
  },
  "DELETE /admin/v1/event-types/{type}": {
    operationId: "deleteEventType",
    summary: "Remove an event type from the catalog",
    tag: "Event types",
    path: eventType,
    answers: {
      200: {
        description: "Removed",
        name: "DeletedEventTypeResponse",
        schema: successEnvelope(deletedEventTypeSchema),
        example: { success: true, data: { type: "crm.lead.created", deleted: true } },
      },
    },
    errors: [404],
  },
  "POST /admin/v1/tenants/{tenant_id}/api-keys": {
    operationId: "createApiKey",
    summary: "Issue an API key to a tenant",
    description: "The key is in this answer only; it is stored hashed.",
    tag: "API keys",
    path: tenantId,
    body: {
      schema: createKeySchema,
      name: "CreateApiKeyRequest",
      required: false,
      example: { name: "RD Station sync", expires_at: "2027-06-01T00:00:00Z" },
    },
    answers: {
      201: {
        description: "The key (shown once) and its handle",
        name: "IssuedApiKeyResponse",
        schema: successEnvelope(issuedApiKeySchema),
        example: { success: true, data: examples.issuedApiKey },
      },
    },
    errors: [413, 415],
  },
  "GET /admin/v1/tenants/{tenant_id}/api-keys": {
    operationId: "listApiKeys",
    summary: "A tenant's live API keys, oldest first (never the keys themselves)",
    tag: "API keys",
    path: tenantId,
    query: noParametersSchema,
    answers: {
      200: {
        description: "The tenant's keys",
        name: "ApiKeyListResponse",
        schema: successEnvelope(z.array(apiKeySchema)),
        example: { success: true, data: [examples.apiKey] },
      },
    },
  },
  "DELETE /admin/v1/tenants/{tenant_id}/api-keys/{key_id}": {
    operationId: "revokeApiKey",
    summary: "Revoke an API key",
    description: "It answers 401 once the authorizer's cached answer expires (60 s by default).",
    tag: "API keys",
    path: { ...tenantId, key_id: keyId },
    answers: {
      200: {
        description: "Revoked",
        name: "RevokedApiKeyResponse",
        schema: successEnvelope(revokedApiKeySchema),
        example: { success: true, data: { key_id: examples.apiKey.key_id, revoked: true } },
      },
    },
    errors: [404],
  },
  "POST /admin/v1/tenants/{tenant_id}/portal-sessions": {
    operationId: "createPortalSession",
    summary: "Open the integrator portal for a tenant",
    description:
      "A short-lived session (an hour by default), stored hashed and scoped to the tenant. `url` opens the portal signed in: the session is in its fragment, which browsers never send to a server.",
    tag: "Portal sessions",
    path: tenantId,
    body: {
      schema: createPortalSessionSchema,
      name: "CreatePortalSessionRequest",
      required: false,
      example: { ttl_seconds: 3600 },
    },
    answers: {
      201: {
        description: "The session and the portal's URL carrying it",
        name: "PortalSessionResponse",
        schema: successEnvelope(portalSessionSchema),
        example: { success: true, data: examples.portalSession },
      },
    },
    errors: [413, 415],
  },
  "DELETE /admin/v1/tenants/{tenant_id}/portal-sessions/{session_id}": {
    operationId: "revokePortalSession",
    summary: "End a portal session before it expires",
    tag: "Portal sessions",
    path: { ...tenantId, session_id: keyId },
    answers: {
      200: {
        description: "Revoked",
        name: "RevokedPortalSessionResponse",
        schema: successEnvelope(revokedPortalSessionSchema),
        example: { success: true, data: { session_id: examples.portalSession.session_id, revoked: true } },
      },
    },
    errors: [404],
  },
};
