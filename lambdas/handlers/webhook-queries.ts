import { httpApiHandler } from "../adapters/http-api-handler";
import { EVENT_CATALOG } from "../core/event-types";
import { logger, webhookQueries } from "../wiring/aws";

export const handler = httpApiHandler({
  logger: logger(),
  routes: {
    "GET /v1/webhooks": async (request) => {
      const page = await webhookQueries().list(request.tenantId, request.query);
      return { data: page.items, pagination: page.pagination };
    },
    "GET /v1/webhooks/events": async () => ({ data: EVENT_CATALOG }),
    "GET /v1/webhooks/{id}": async (request) => ({
      data: await webhookQueries().get(request.tenantId, request.pathParameters.id ?? ""),
    }),
  },
});
