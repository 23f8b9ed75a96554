/**
 * @module The OpenAPI 3.1 document of the tenant API and the operators' API, built from the route
 * list (lambdas/functions.ts), the request schemas the handlers validate with, and the answer
 * schemas of ./schemas.ts. `npm run openapi` writes it to docs/openapi.json; a test fails when
 * the committed file is not what this builds.
 */
import * as z from "zod/mini";
import { STATUS_OF_ERROR_CODE, type ErrorCode } from "../lambdas/adapters/http-error-envelope";
import { type ApiRoute, apiRoutes, routeKey } from "../lambdas/functions";
import { PRODUCT_VERSION } from "../lambdas/core/webhook-request";
import { type Operation, operations, type Tag } from "./operations";
import * as schemas from "./schemas";

type JsonObject = Record<string, unknown>;

/** The portal's page and assets are HTML and scripts, not part of the JSON API. */
const UNDOCUMENTED = new Set(["GET /portal", "GET /portal/{asset}"]);

/** The routes the document describes: every route of the API but the portal's page and assets. */
export const documentedRoutes = (): ApiRoute[] =>
  apiRoutes.filter((route) => !UNDOCUMENTED.has(routeKey(route)));
const DOCUMENT_ROUTE = "GET /v1/openapi.json";

const TAGS: Readonly<Record<Tag, string>> = {
  Endpoints: "A tenant's webhook endpoints: where its events are delivered, signed",
  "Delivery log": "Every delivery to an endpoint with every attempt; tests, resends and recovery",
  Events: "Sending events, and the types endpoints may subscribe to",
  "Event types": "The operator's event-type catalog (operators' API, IAM-authorized)",
  "API keys": "Tenants' API keys (operators' API, IAM-authorized)",
  "Portal sessions": "Short-lived sign-ins to the integrator portal (operators' API, IAM-authorized)",
  OpenAPI: "This document",
};

/** What a route of each kind may answer besides its own: the caller's refusals and our faults. */
const ERRORS_OF_AUTH: Readonly<Record<ApiRoute["auth"], readonly number[]>> = {
  apiKey: [400, 401, 429, 500],
  iam: [400, 403, 429, 500],
  public: [],
};

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "Bad input: malformed JSON, a wrong type, an unknown field or parameter; `details` names each field",
  401: "Missing, unknown, revoked or expired API key or portal session",
  403: "Not allowed: an event for another tenant, or a request not signed by an IAM identity allowed to invoke the operators' API",
  404: "No such resource for this caller (another tenant's id answers the same)",
  409: "A conflict with the current state (a slug or url taken, a delivery already being attempted); the message says which",
  413: "The body is over the route's limit",
  415: "The content-type is not JSON",
  422: "Refused by a rule of the platform: the endpoint limit, or a verification request that failed",
  429: "Over the stage's throttle, answered by API Gateway itself (`{message}`, not the envelope); try again later",
  500: "A fault of ours; the message never carries internals",
};

/** What answers hold, as components of their own, so each envelope refers to them. */
const DATA_SCHEMAS = Object.entries({
  ErrorEnvelope: schemas.errorEnvelopeSchema,
  GatewayError: schemas.gatewayErrorSchema,
  AuthRefusal: schemas.authRefusalSchema,
  WebhookEndpoint: schemas.webhookEndpointSchema,
  CreatedEndpoint: schemas.createdWebhookSchema,
  EndpointHealth: schemas.endpointHealthSchema,
  DeliverySummary: schemas.deliverySummarySchema,
  Delivery: schemas.deliverySchema,
  DeliveryAttempt: schemas.deliveryAttemptSchema,
  TenantEventType: schemas.tenantEventTypeSchema,
  EventType: schemas.eventTypeSchema,
  ApiKey: schemas.apiKeySchema,
  IssuedApiKey: schemas.issuedApiKeySchema,
  PortalSession: schemas.portalSessionSchema,
  PagePagination: schemas.pagePaginationSchema,
  CursorPagination: schemas.cursorPaginationSchema,
}).map(([name, schema]) => ({ name, schema: schema as z.ZodMiniType }));

const codesOfStatus = (status: number): ErrorCode[] =>
  (Object.keys(STATUS_OF_ERROR_CODE) as ErrorCode[]).filter((code) => STATUS_OF_ERROR_CODE[code] === status);

const ref = (kind: "schemas" | "responses", name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** JSON Schemas of registered zod schemas, as components: one shared recursion set per direction. */
function componentSchemas(
  entries: readonly { name: string; schema: z.ZodMiniType }[],
  io: "input" | "output",
): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  const named = new Set<string>();
  for (const { name, schema } of entries) {
    if (named.has(name) || registry.has(schema)) continue;
    named.add(name);
    registry.add(schema, { id: name });
  }
  const sharedPrefix = io === "input" ? "Input" : "Output";
  const { schemas } = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
    override: ({ jsonSchema }) => {
      // A format says it: the regex zod also emits for date-times and UUIDs is noise to a reader.
      if (jsonSchema.format === "date-time" || jsonSchema.format === "uuid") delete jsonSchema.pattern;
      // zod names its string checks as formats no JSON Schema tool knows; the pattern says it.
      if (jsonSchema.format === "starts_with" || jsonSchema.format === "includes") delete jsonSchema.format;
    },
  }) as { schemas: Record<string, JsonObject> };
  const out: Record<string, JsonObject> = {};
  const shared = Object.entries((schemas.__shared?.$defs ?? {}) as Record<string, JsonObject>);
  const sharedNames = new Map(
    shared.map(([def, body]) => [
      def,
      recursive(def, body) ? "JsonValue" : `${sharedPrefix}${capitalized(def)}`,
    ]),
  );
  for (const [def, body] of shared) out[sharedNames.get(def) ?? def] = recursive(def, body) ? ANY_JSON : body;
  for (const [name, schema] of Object.entries(schemas)) {
    if (name === "__shared") continue;
    const { $schema: _schema, $id: _id, ...body } = schema;
    out[name] = body;
  }
  // Refs into the shared set point at the components it became.
  return JSON.parse(
    JSON.stringify(out).replace(
      /#\/components\/schemas\/__shared#\/\$defs\/(\w+)/g,
      (_match, def: string) => `#/components/schemas/${sharedNames.get(def) ?? def}`,
    ),
  ) as Record<string, JsonObject>;
}

const capitalized = (name: string) => `${name[0]?.toUpperCase()}${name.slice(1)}`;

/**
 * The one recursive schema the API takes is `z.json()` (an event type's example): any JSON value.
 * Said as such, since generated clients cannot type a schema that refers to itself.
 */
const ANY_JSON: JsonObject = { description: "Any JSON value" };
const recursive = (def: string, body: JsonObject) => JSON.stringify(body).includes(`$defs/${def}"`);

function parameters(operation: Operation): JsonObject[] {
  const path = Object.entries(operation.path ?? {}).map(([name, schema]) => ({
    name,
    in: "path",
    required: true,
    schema: inlineSchema(schema),
  }));
  const query = operation.query ? inlineSchema(operation.query) : undefined;
  const required = new Set((query?.required as string[] | undefined) ?? []);
  const queryParameters = Object.entries((query?.properties ?? {}) as Record<string, JsonObject>).map(
    ([name, schema]) => {
      const description = operation.queryDescriptions?.[name];
      return {
        name,
        in: "query",
        required: required.has(name),
        ...(description ? { description } : {}),
        schema,
      };
    },
  );
  return [...path, ...queryParameters];
}

function inlineSchema(schema: z.ZodMiniType): JsonObject {
  const { $schema: _schema, ...body } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonObject;
  return body;
}

function errorResponses(route: ApiRoute, operation: Operation): Record<string, unknown> {
  const statuses = [...new Set([...ERRORS_OF_AUTH[route.auth], ...(operation.errors ?? [])])].sort();
  return Object.fromEntries(statuses.map((status) => [String(status), ref("responses", `Error${status}`)]));
}

/** Which body each refusal has: the envelope, or also API Gateway's own (see gatewayErrorSchema). */
const ERROR_SCHEMA: Readonly<Record<number, string>> = {
  401: "AuthRefusal",
  403: "AuthRefusal",
  429: "GatewayError",
};

function errorComponents(): Record<string, JsonObject> {
  return Object.fromEntries(
    Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => {
      const [code] = codesOfStatus(Number(status));
      const message = description.split(":")[0];
      return [
        `Error${status}`,
        {
          description,
          content: {
            "application/json": {
              schema: ref("schemas", ERROR_SCHEMA[Number(status)] ?? "ErrorEnvelope"),
              example: code ? { success: false, error: { code, message } } : { message: "Too Many Requests" },
            },
          },
        },
      ];
    }),
  );
}

const SECURITY: Readonly<Record<ApiRoute["auth"], JsonObject[]>> = {
  apiKey: [{ apiKey: [] }],
  iam: [{ sigv4: [] }],
  public: [],
};

function describe(route: ApiRoute, operation: Operation): JsonObject {
  const params = parameters(operation);
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: SECURITY[route.auth],
    ...(params.length ? { parameters: params } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: operation.body.required,
            content: {
              "application/json": {
                schema: ref("schemas", operation.body.name),
                ...(operation.body.example ? { example: operation.body.example } : {}),
              },
            },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(operation.answers).map(([status, answer]) => [
          status,
          {
            description: answer.description,
            content: {
              "application/json": {
                schema: ref("schemas", answer.name),
                ...(answer.example ? { example: answer.example } : {}),
              },
            },
          },
        ]),
      ),
      ...errorResponses(route, operation),
    },
  };
}

const documentOperation: JsonObject = {
  operationId: "getOpenApiDocument",
  summary: "This document",
  tags: ["OpenAPI"],
  security: [],
  responses: {
    200: {
      description: "The OpenAPI 3.1 document of the API",
      content: { "application/json": { schema: { type: "object" } } },
    },
  },
};

export function buildOpenApiDocument(): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const documented = documentedRoutes();
  for (const route of documented) {
    const key = routeKey(route);
    const operation = operations[key];
    if (!operation && key !== DOCUMENT_ROUTE)
      throw new Error(`openapi/operations.ts does not describe ${key}`);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation
      ? describe(route, operation)
      : documentOperation;
  }
  const described = Object.values(operations);
  const bodies = described.flatMap((op) => (op.body ? [op.body] : []));
  const answers = described.flatMap((op) => Object.values(op.answers));
  return {
    openapi: "3.1.0",
    info: {
      title: "Hookline API",
      version: PRODUCT_VERSION,
      summary:
        "Webhook endpoints, delivery logs and events; and the operators' catalog, API keys and portal sessions",
      description:
        "Tenants' routes (`/v1`) take `Authorization: Bearer <API key or portal session>`. The operators' routes (`/admin/v1`) are IAM-authorized: sign them with AWS Signature Version 4 for `execute-api`. Every answer is an envelope: `{success: true, data}` (lists add `pagination`) or `{success: false, error: {code, message, details?}}`. See docs/api.md and docs/operators-api.md.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [
      { url: "http://127.0.0.1:3000", description: "The local run (npm start)" },
      {
        url: "https://{apiId}.execute-api.{region}.amazonaws.com",
        description: "A deployed stack (its ApiUrl output)",
        variables: { apiId: { default: "abc123" }, region: { default: "us-east-1" } },
      },
    ],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "A tenant's API key (hk_...) or portal session (hps_...)",
        },
        sigv4: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description:
            "AWS Signature Version 4 for the execute-api service, by an IAM identity the operator allows",
        },
      },
      schemas: {
        ...componentSchemas(bodies, "input"),
        ...componentSchemas([...DATA_SCHEMAS, ...answers], "output"),
      },
      responses: errorComponents(),
    },
  };
}
