import type { Logger } from "@aws-lambda-powertools/logger";
import type middy from "@middy/core";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DomainError, type ErrorCode } from "../core/errors";

/** SPEC 2's error envelope, and the status of each error code. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  limit_exceeded: 422,
  endpoint_verification_failed: 422,
};

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    return jsonResponse(STATUS_BY_CODE[error.code], {
      success: false,
      error: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      },
    });
  }
  // Anything else is a fault of ours: its message may carry internals, so it stays in the log.
  return jsonResponse(500, {
    success: false,
    error: { code: "internal_error", message: "something went wrong on our side; try again" },
  });
}

/** Middy middleware: a thrown error becomes the envelope; 5xx are logged with their stack. */
export function httpErrorEnvelope(
  logger: Logger,
): middy.MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      if (!(request.error instanceof DomainError)) logger.error("unhandled error", request.error as Error);
      request.response = errorResponse(request.error);
    },
  };
}
