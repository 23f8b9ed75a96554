import { httpApiHandler } from "../adapters/http-api-handler";
import { logger } from "../wiring/clients";
import { webhookManagement } from "../wiring/endpoints";

export const handler = httpApiHandler({
  logger: logger(),
  routes: {
    "POST /v1/webhooks": async (request) => ({
      status: 201,
      data: await webhookManagement().create(request.tenantId, request.json()),
    }),
    "PUT /v1/webhooks/{id}": async (request) => ({
      data: await webhookManagement().update(
        request.tenantId,
        request.pathParameters.id ?? "",
        request.json(),
      ),
    }),
    "POST /v1/webhooks/{id}/rotate-secret": async (request) => ({
      data: await webhookManagement().rotateSecret(
        request.tenantId,
        request.pathParameters.id ?? "",
        request.optionalJson(),
      ),
    }),
    "DELETE /v1/webhooks/{id}": async (request) => ({
      data: await webhookManagement().remove(request.tenantId, request.pathParameters.id ?? ""),
    }),
  },
});
