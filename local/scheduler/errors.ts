/** @module The refusals the local Scheduler answers, shaped so that the AWS SDK raises its own exceptions. */

/** Sent as `x-amzn-ErrorType: <type>` with a `{ "Message": ... }` body, which the SDK reads as `type`. */
export class SchedulerApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const validationError = (message: string) =>
  new SchedulerApiError(400, "ValidationException", message);
export const notFoundError = (message: string) =>
  new SchedulerApiError(404, "ResourceNotFoundException", message);
export const conflictError = (message: string) => new SchedulerApiError(409, "ConflictException", message);
