/** @module The operators' API (IAM-authorized): the event-type catalog, tenants' API keys and portal sessions. */
import { httpApiHandler } from "../adapters/http-api-handler";
import { logger } from "../wiring/clients";
import { apiKeyAdmin, catalogAdmin, portalSessionAdmin } from "../wiring/operators";

export const handler = httpApiHandler({
  logger: logger(),
  caller: "operator",
  // A JSON Schema may take up to 64 KB, and an example up to 256 KB of data.
  maxBodyBytes: 400 * 1024,
  routes: {
    "GET /admin/v1/event-types": async (request) => ({ data: await catalogAdmin().list(request.query) }),
    "GET /admin/v1/event-types/{type}": async (request) => ({
      data: await catalogAdmin().get(request.pathParameters.type ?? ""),
    }),
    "PUT /admin/v1/event-types/{type}": async (request) => {
      const { created, eventType } = await catalogAdmin().put(
        request.pathParameters.type ?? "",
        request.json(),
      );
      return { status: created ? 201 : 200, data: eventType };
    },
    "DELETE /admin/v1/event-types/{type}": async (request) => ({
      data: await catalogAdmin().remove(request.pathParameters.type ?? ""),
    }),
    "POST /admin/v1/tenants/{tenant_id}/api-keys": async (request) => ({
      status: 201,
      data: await apiKeyAdmin().create(request.pathParameters.tenant_id ?? "", request.optionalJson()),
    }),
    "GET /admin/v1/tenants/{tenant_id}/api-keys": async (request) => ({
      data: await apiKeyAdmin().list(request.pathParameters.tenant_id ?? "", request.query),
    }),
    "DELETE /admin/v1/tenants/{tenant_id}/api-keys/{key_id}": async (request) => ({
      data: await apiKeyAdmin().revoke(
        request.pathParameters.tenant_id ?? "",
        request.pathParameters.key_id ?? "",
      ),
    }),
    "POST /admin/v1/tenants/{tenant_id}/portal-sessions": async (request) => ({
      status: 201,
      data: await portalSessionAdmin().create(
        request.pathParameters.tenant_id ?? "",
        request.optionalJson(),
        request.baseUrl,
      ),
    }),
    "DELETE /admin/v1/tenants/{tenant_id}/portal-sessions/{session_id}": async (request) => ({
      data: await portalSessionAdmin().revoke(
        request.pathParameters.tenant_id ?? "",
        request.pathParameters.session_id ?? "",
      ),
    }),
  },
});
