import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { httpApiHandler } from "../adapters/http-api-handler";
import { logger, metrics } from "../wiring/clients";
import { deliveryOperations } from "../wiring/delivery";

export const handler = httpApiHandler({
  logger: logger(),
  routes: {
    "POST /v1/webhooks/{id}/test": async (request) => ({
      data: await deliveryOperations().test(
        request.tenantId,
        request.pathParameters.id ?? "",
        request.optionalJson(),
      ),
    }),
    "POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry": async (request) => ({
      data: await deliveryOperations().retry(
        request.tenantId,
        request.pathParameters.id ?? "",
        request.pathParameters.delivery_id ?? "",
        request.optionalJson(),
      ),
    }),
    "POST /v1/webhooks/{id}/recover": async (request) => ({
      status: 202,
      data: await deliveryOperations().recover(
        request.tenantId,
        request.pathParameters.id ?? "",
        request.json(),
      ),
    }),
  },
  // The attempts made here count in the delivery metrics, as the worker's do.
}).use(logMetrics(metrics()));
