/**
 * @module The Lambda functions of the platform and the HTTP routes they serve: the one
 * list both the CDK stack (lib/) and the local front door (local/) are built
 * from, so a route cannot exist in one and not the other.
 */
import type { ConfigSection } from "./config";

export interface LambdaFunctionSpec {
  /** Handler file, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** The config sections (lambdas/config.ts) the function reads, so the stack passes only those. */
  readonly config: readonly ConfigSection[];
}

/** Both delivery workers read the same sections: they are one handler on two queues. */
const DELIVERY_WORKER_CONFIG = [
  "table",
  "catalog",
  "eventsQueue",
  "deadLetters",
  "slowLane",
  "scheduler",
  "retries",
  "retention",
  "endpointHealth",
  "endpointPolicy",
] as const satisfies readonly ConfigSection[];

export const lambdaFunctions = {
  apiAuthorizer: {
    entry: "lambdas/handlers/api-authorizer.ts",
    description: "Resolves a bearer API key to its tenant for the HTTP API",
    config: ["table"],
  },
  webhookQueries: {
    entry: "lambdas/handlers/webhook-queries.ts",
    description: "Reads webhook endpoints, their delivery logs and the event catalog",
    config: ["table"],
  },
  webhookCommands: {
    entry: "lambdas/handlers/webhook-commands.ts",
    description: "Creates, updates and deletes webhook endpoints, and rotates their secrets",
    config: ["table", "endpointPolicy"],
  },
  deliveryCommands: {
    entry: "lambdas/handlers/delivery-commands.ts",
    description: "Sends test events, resends deliveries now and queues recovery of failed ones",
    // The same delivery code as the workers; it dead-letters nothing (bad input is the caller's 400).
    config: DELIVERY_WORKER_CONFIG.filter((section) => section !== "deadLetters"),
  },
  eventsApi: {
    entry: "lambdas/handlers/events-api.ts",
    description: "Checks producer events against the event-type catalog and puts them on the events queue",
    config: ["table", "eventsQueue", "catalog"],
  },
  adminApi: {
    entry: "lambdas/handlers/admin-api.ts",
    description:
      "The operators' API: the event-type catalog, tenants' API keys and portal sessions (IAM-authorized)",
    config: ["table"],
  },
  portal: {
    entry: "lambdas/handlers/portal.ts",
    description: "Serves the integrator portal's page and assets, and the API's OpenAPI document",
    config: [],
  },
  deliveryWorker: {
    entry: "lambdas/handlers/delivery-worker.ts",
    description: "Fans events out to endpoints, signs and sends them, schedules retries",
    config: DELIVERY_WORKER_CONFIG,
  },
  // The same handler on the slow lane's queue, with its own concurrency: a record's queue is its lane.
  slowLaneWorker: {
    entry: "lambdas/handlers/delivery-worker.ts",
    description:
      "Sends deliveries to slow endpoints, probes open circuit breakers and drains parked deliveries",
    config: DELIVERY_WORKER_CONFIG,
  },
} as const satisfies Record<string, LambdaFunctionSpec>;

export type LambdaFunctionName = keyof typeof lambdaFunctions;
export type ApiFunctionName = Exclude<
  LambdaFunctionName,
  "apiAuthorizer" | "deliveryWorker" | "slowLaneWorker"
>;

export interface ApiRoute {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** API Gateway route path: `{name}` is a path parameter. */
  readonly path: string;
  readonly function: ApiFunctionName;
  /**
   * Who may call the route: a tenant with its API key or portal session (the Lambda
   * authorizer), the operator with an IAM identity (SigV4, `execute-api:Invoke`), or anyone
   * (`public`: the portal's static page and the OpenAPI document, which hold no tenant data).
   */
  readonly auth: "apiKey" | "iam" | "public";
}

export const apiRoutes: readonly ApiRoute[] = [
  { method: "GET", path: "/v1/webhooks", function: "webhookQueries", auth: "apiKey" },
  { method: "GET", path: "/v1/webhooks/events", function: "webhookQueries", auth: "apiKey" },
  { method: "GET", path: "/v1/webhooks/{id}", function: "webhookQueries", auth: "apiKey" },
  { method: "POST", path: "/v1/webhooks", function: "webhookCommands", auth: "apiKey" },
  { method: "PUT", path: "/v1/webhooks/{id}", function: "webhookCommands", auth: "apiKey" },
  { method: "DELETE", path: "/v1/webhooks/{id}", function: "webhookCommands", auth: "apiKey" },
  { method: "POST", path: "/v1/webhooks/{id}/rotate-secret", function: "webhookCommands", auth: "apiKey" },
  { method: "GET", path: "/v1/webhooks/{id}/deliveries", function: "webhookQueries", auth: "apiKey" },
  {
    method: "GET",
    path: "/v1/webhooks/{id}/deliveries/{delivery_id}",
    function: "webhookQueries",
    auth: "apiKey",
  },
  { method: "POST", path: "/v1/webhooks/{id}/test", function: "deliveryCommands", auth: "apiKey" },
  {
    method: "POST",
    path: "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
    function: "deliveryCommands",
    auth: "apiKey",
  },
  { method: "POST", path: "/v1/webhooks/{id}/recover", function: "deliveryCommands", auth: "apiKey" },
  { method: "POST", path: "/v1/events", function: "eventsApi", auth: "apiKey" },
  { method: "GET", path: "/admin/v1/event-types", function: "adminApi", auth: "iam" },
  { method: "GET", path: "/admin/v1/event-types/{type}", function: "adminApi", auth: "iam" },
  { method: "PUT", path: "/admin/v1/event-types/{type}", function: "adminApi", auth: "iam" },
  { method: "DELETE", path: "/admin/v1/event-types/{type}", function: "adminApi", auth: "iam" },
  { method: "POST", path: "/admin/v1/tenants/{tenant_id}/api-keys", function: "adminApi", auth: "iam" },
  { method: "GET", path: "/admin/v1/tenants/{tenant_id}/api-keys", function: "adminApi", auth: "iam" },
  {
    method: "DELETE",
    path: "/admin/v1/tenants/{tenant_id}/api-keys/{key_id}",
    function: "adminApi",
    auth: "iam",
  },
  {
    method: "POST",
    path: "/admin/v1/tenants/{tenant_id}/portal-sessions",
    function: "adminApi",
    auth: "iam",
  },
  {
    method: "DELETE",
    path: "/admin/v1/tenants/{tenant_id}/portal-sessions/{session_id}",
    function: "adminApi",
    auth: "iam",
  },
  { method: "GET", path: "/v1/openapi.json", function: "portal", auth: "public" },
  { method: "GET", path: "/portal", function: "portal", auth: "public" },
  { method: "GET", path: "/portal/{asset}", function: "portal", auth: "public" },
];

/** Where the operators' API lives, below the API's URL. */
export const ADMIN_BASE_PATH = "/admin/v1";

export const routeKey = (route: Pick<ApiRoute, "method" | "path">): string => `${route.method} ${route.path}`;
