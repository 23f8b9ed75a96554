import { httpApiHandler } from "../adapters/http-api-handler";
import { tenantCatalog } from "../core/catalog/catalog";
import { currentCatalog, deliveryLog, logger, webhookQueries } from "../wiring/clients";

export const handler = httpApiHandler({
  logger: logger(),
  routes: {
    "GET /v1/webhooks": async (request) => {
      const page = await webhookQueries().list(request.tenantId, request.query);
      return { data: page.items, pagination: page.pagination };
    },
    "GET /v1/webhooks/events": async (request) => ({
      data: await tenantCatalog(currentCatalog(), request.query),
    }),
    "GET /v1/webhooks/{id}": async (request) => ({
      data: await webhookQueries().get(request.tenantId, request.pathParameters.id ?? ""),
    }),
    "GET /v1/webhooks/{id}/deliveries": async (request) => {
      const page = await deliveryLog().list(request.tenantId, request.pathParameters.id ?? "", request.query);
      return { data: page.items, pagination: page.pagination };
    },
    "GET /v1/webhooks/{id}/deliveries/{delivery_id}": async (request) => ({
      data: await deliveryLog().get(
        request.tenantId,
        request.pathParameters.id ?? "",
        request.pathParameters.delivery_id ?? "",
      ),
    }),
  },
});
