import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { NotFoundError } from "../core/errors";
import { type ApiGatewayEvent, type ApiRequest, type Caller, toApiRequest } from "./api-gateway-request";
import { httpErrorEnvelope, jsonResponse } from "./http-error-envelope";

/** What a route returns: the data of the success envelope, and its status. */
export interface ApiReply {
  readonly status?: number;
  readonly data: unknown;
  readonly pagination?: unknown;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiReply>;

export interface HttpApiOptions {
  readonly routes: Readonly<Record<string, RouteHandler>>;
  readonly logger: Logger;
  /** Requests with a larger body answer 413. */
  readonly maxBodyBytes?: number;
  /** Tenants' routes (the default) or the operator's. */
  readonly caller?: Caller;
}

/** One Lambda serving several API Gateway routes, dispatched by routeKey. */
export function httpApiHandler(options: HttpApiOptions) {
  const { routes, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  return middy<ApiGatewayEvent, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrorEnvelope(logger))
    .handler(async (event) => {
      const route = routes[event.routeKey];
      if (!route) throw new NotFoundError(`no route ${event.routeKey}`);
      const request = toApiRequest(event, maxBodyBytes, options.caller);
      logger.appendKeys(
        request.operator
          ? { operator: request.operator, route: event.routeKey }
          : { tenant_id: request.tenantId, route: event.routeKey },
      );
      const reply = await route(request);
      return jsonResponse(reply.status ?? 200, {
        success: true,
        data: reply.data,
        ...(reply.pagination ? { pagination: reply.pagination } : {}),
      });
    });
}
