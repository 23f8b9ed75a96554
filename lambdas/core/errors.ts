/**
 * The errors a use case raises for bad input or a refused request. Each has a
 * stable `code` (the API's error.code); the HTTP edge maps codes to statuses.
 * Anything else that escapes is a bug and answers a generic 500.
 */
export type ErrorCode =
  | "validation_error"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "limit_exceeded"
  | "endpoint_verification_failed"
  | "payload_too_large"
  | "unsupported_media_type";

export interface ErrorDetail {
  readonly field: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  readonly details?: readonly ErrorDetail[];

  constructor(message: string, options?: { details?: readonly ErrorDetail[]; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.details = options?.details;
  }
}

export class ValidationError extends DomainError {
  override name = "ValidationError";
  readonly code = "validation_error";
}

export class UnauthorizedError extends DomainError {
  override name = "UnauthorizedError";
  readonly code = "unauthorized";
}

export class ForbiddenError extends DomainError {
  override name = "ForbiddenError";
  readonly code = "forbidden";
}

export class NotFoundError extends DomainError {
  override name = "NotFoundError";
  readonly code = "not_found";
}

export class ConflictError extends DomainError {
  override name = "ConflictError";
  readonly code = "conflict";
}

export class LimitExceededError extends DomainError {
  override name = "LimitExceededError";
  readonly code = "limit_exceeded";
}

export class EndpointVerificationFailedError extends DomainError {
  override name = "EndpointVerificationFailedError";
  readonly code = "endpoint_verification_failed";
}

export class PayloadTooLargeError extends DomainError {
  override name = "PayloadTooLargeError";
  readonly code = "payload_too_large";
}

export class UnsupportedMediaTypeError extends DomainError {
  override name = "UnsupportedMediaTypeError";
  readonly code = "unsupported_media_type";
}
