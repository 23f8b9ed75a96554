/**
 * @module The domain's errors, in one place. DomainError and its kinds are what a use case
 * raises for bad input or a refused request: each has a stable `code` (the API's error.code),
 * and the HTTP edge maps codes to statuses (lambdas/adapters/http-error-envelope.ts, which also
 * holds the errors of HTTP itself: a body too large, a content type not JSON). The store errors
 * are what a store port answers when a conditional write finds the data changed; the use cases
 * turn them into domain errors. Anything else that escapes is a bug and answers a generic 500.
 */

/** The codes of domain errors; the transport's own are added in the HTTP adapter. */
export type DomainErrorCode =
  | "validation_error"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "limit_exceeded"
  | "endpoint_verification_failed";

export interface ErrorDetail {
  readonly field: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
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

/** The store found the endpoint changed since it was read; the use case reads it again. */
export class StaleWriteError extends Error {
  override name = "StaleWriteError";
}

export class SlugTakenError extends Error {
  override name = "SlugTakenError";
}

export class EndpointLimitReachedError extends Error {
  override name = "EndpointLimitReachedError";
}

/** The endpoint was deleted between its read and the write. */
export class EndpointGoneError extends Error {
  override name = "EndpointGoneError";
}

/** Runs a store write to endpoint `id`: an endpoint deleted meanwhile answers 404, as if never found. */
export async function notFoundIfGone<T>(id: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof EndpointGoneError) throw new NotFoundError(`no webhook endpoint ${id}`);
    throw error;
  }
}

/** A retry schedule that cannot be (lambdas/core/retry-schedule.ts). */
export class RetryScheduleError extends Error {
  override name = "RetryScheduleError";
}
