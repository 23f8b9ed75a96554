import type { Logger } from "@aws-lambda-powertools/logger";
import type middy from "@middy/core";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DomainError, type DomainErrorCode } from "../core/errors";

/** The error envelope (docs/api.md), and the status of each error code. */
const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  limit_exceeded: 422,
  endpoint_verification_failed: 422,
};

const STATUS_BY_TRANSPORT_CODE = { payload_too_large: 413, unsupported_media_type: 415 } as const;

/** What a fault of ours answers, without its internals. */
const INTERNAL_ERROR = "internal_error";

/** Every `error.code` the API answers with, and its status (the OpenAPI document lists them). */
export const STATUS_OF_ERROR_CODE = {
  ...STATUS_BY_CODE,
  ...STATUS_BY_TRANSPORT_CODE,
  [INTERNAL_ERROR]: 500,
} as const satisfies Record<string, number>;
export type ErrorCode = keyof typeof STATUS_OF_ERROR_CODE;
export const ERROR_CODES = Object.keys(STATUS_OF_ERROR_CODE) as [ErrorCode, ...ErrorCode[]];

/** What HTTP itself refuses before a use case sees the request: a body too large, one not JSON. */
export class TransportError extends Error {
  override name = "TransportError";

  constructor(
    readonly code: keyof typeof STATUS_BY_TRANSPORT_CODE,
    message: string,
  ) {
    super(message);
  }
}

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
  if (error instanceof TransportError) {
    return jsonResponse(STATUS_BY_TRANSPORT_CODE[error.code], {
      success: false,
      error: { code: error.code, message: error.message },
    });
  }
  // Anything else is a fault of ours: its message may carry internals, so it stays in the log.
  return jsonResponse(500, {
    success: false,
    error: { code: INTERNAL_ERROR, message: "something went wrong on our side; try again" },
  });
}

/** Middy middleware: a thrown error becomes the envelope; 5xx are logged with their stack. */
export function httpErrorEnvelope(
  logger: Logger,
): middy.MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const answered = request.error instanceof DomainError || request.error instanceof TransportError;
      if (!answered) logger.error("unhandled error", request.error as Error);
      request.response = errorResponse(request.error);
    },
  };
}
