/**
 * @module What the services a delivery uses cost: on-demand prices in
 * us-east-1 as of 2026 (docs/performance.md, /work/shared/NOTES.md), and the
 * arithmetic that turns a delivery's usage into dollars per million deliveries,
 * service by service. bench/capacity.ts counts the usage; this file only prices it.
 */

export const PRICE_REGION = "us-east-1";
export const PRICES_AS_OF = "2026";

/** Dollars per unit, on demand. */
export const PRICES = {
  /** DynamoDB on-demand: $0.625 per million write request units. */
  dynamoDbWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand: $0.125 per million read request units. */
  dynamoDbReadUnit: 0.125 / 1e6,
  /** SQS standard queue: $0.40 per million requests, each 64 KB chunk of a payload billed as one. */
  sqsRequest: 0.4 / 1e6,
  /** EventBridge Scheduler: $1.00 per million invocations (a one-time schedule fires once). */
  schedulerInvocation: 1 / 1e6,
  /** Lambda on arm64 (the stack's architecture): per GB-second of duration, billed in 1 ms units. */
  lambdaGbSecond: 0.0000133334,
  /** Lambda: $0.20 per million requests (one invocation per batch). */
  lambdaRequest: 0.2 / 1e6,
} as const;

/** What an AWS user would pick instead: $1.00 per million PutEvents + $0.20 per million API destination invocations. */
export const API_DESTINATIONS_PER_MILLION = 1.2;

/** SQS bills a request per 64 KB chunk of its payload. */
export const SQS_CHUNK_BYTES = 64 * 1024;

/** The SQS requests a call with `payloadBytes` of messages is billed as: one per 64 KB chunk, at least one. */
export const sqsBilledRequests = (payloadBytes: number): number =>
  Math.max(1, Math.ceil(payloadBytes / SQS_CHUNK_BYTES));

/** Lambda bills duration in 1 ms units, at the function's memory. */
export const lambdaGbSeconds = (wallMs: number, memoryMb: number): number =>
  (Math.ceil(wallMs) / 1000) * (memoryMb / 1024);

/** What one unit of work (a delivery, an attempt) uses, on average. */
export interface Usage {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly sqsRequests: number;
  readonly schedulerInvocations: number;
  readonly lambdaRequests: number;
  /** Measured, not counted: the handler's wall time on this machine times the function's memory. */
  readonly lambdaGbSeconds: number;
}

export interface Cost {
  readonly dynamoDb: number;
  readonly sqs: number;
  readonly scheduler: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly total: number;
}

/** Dollars per million units of work that each use `usage`. */
export function costPerMillion(usage: Usage): Cost {
  const million = (perUnit: number) => perUnit * 1e6;
  const dynamoDb = million(
    usage.readUnits * PRICES.dynamoDbReadUnit + usage.writeUnits * PRICES.dynamoDbWriteUnit,
  );
  const sqs = million(usage.sqsRequests * PRICES.sqsRequest);
  const scheduler = million(usage.schedulerInvocations * PRICES.schedulerInvocation);
  const lambdaRequests = million(usage.lambdaRequests * PRICES.lambdaRequest);
  const lambdaDuration = million(usage.lambdaGbSeconds * PRICES.lambdaGbSecond);
  return {
    dynamoDb,
    sqs,
    scheduler,
    lambdaRequests,
    lambdaDuration,
    total: dynamoDb + sqs + scheduler + lambdaRequests + lambdaDuration,
  };
}

const USAGE_KEYS = [
  "readUnits",
  "writeUnits",
  "sqsRequests",
  "schedulerInvocations",
  "lambdaRequests",
  "lambdaGbSeconds",
] as const satisfies readonly (keyof Usage)[];

/** `a` plus `sign` times `b`, field by field: `-1` gives what a failure adds to a delivery, say. */
export function combineUsage(a: Usage, b: Usage, sign: 1 | -1): Usage {
  const out = {} as Record<keyof Usage, number>;
  for (const key of USAGE_KEYS) out[key] = a[key] + sign * b[key];
  return out;
}

/** The price list as the bench prints it, one line per service. */
export function priceLines(): string[] {
  return [
    `prices: ${PRICE_REGION}, on demand, as of ${PRICES_AS_OF}`,
    "  DynamoDB: $0.625 per million write request units, $0.125 per million read request units",
    "  SQS standard: $0.40 per million requests (each 64 KB chunk of a payload is a request)",
    "  EventBridge Scheduler: $1.00 per million invocations",
    "  Lambda arm64: $0.0000133334 per GB-second (1 ms units), $0.20 per million requests",
    "  EventBridge API destinations (the alternative): $1.00 per million PutEvents + $0.20 per million " +
      `invocations = $${API_DESTINATIONS_PER_MILLION.toFixed(2)} per million deliveries`,
  ];
}
