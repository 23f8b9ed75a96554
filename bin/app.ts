/**
 * @module The CDK app. Optional settings come as context, e.g.
 * `cdk synth -c maxEndpointsPerTenant=20 -c retrySchedule=0s,20m,1h -c allowedUrlSchemes=https
 *  -c allowPrivateAddresses=false -c removalPolicy=destroy -c logRetentionDays=30 -c deliveryLogRetentionDays=30
 *  -c deliveryFailureRateThreshold=0.25 -c breakerThreshold=10 -c drainRatePerSecond=20
 *  -c slowLaneMaxConcurrency=5 -c deliveryMaxConcurrency=20 -c deliveryBatchSize=10
 *  -c deliveryBatchingWindowSeconds=0 -c catalogCacheSeconds=30
 *  -c alarmTopicArn=arn:aws:sns:<region>:<account>:<topic>`.
 * A bad value stops the synth here rather than failing the Lambdas at their first cold start: a
 * setting the Lambdas read is checked with their own rule (lambdas/config.ts), the stack's own
 * settings by the stack.
 */
import { App, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { AwsSolutionsChecks } from "cdk-nag";
import { requireTunable, type Tunable } from "../lambdas/config";
import { WebhookPlatformStack } from "../lib/webhook-platform-stack";

const app = new App();

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined ? undefined : String(value);
}

function invalid(key: string, value: string, expected: string): never {
  throw new Error(`context ${key}=${value} is invalid: expected ${expected}`);
}

function positiveInteger(key: string): number | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : invalid(key, value, "a positive integer");
}

function number(key: string): number | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return value.trim() !== "" && Number.isFinite(parsed) ? parsed : invalid(key, value, "a number");
}

/** Whole seconds, at most `max` where the stack leaves the range to this check. */
function seconds(key: string, max?: number): Duration | undefined {
  const value = number(key);
  if (value === undefined) return undefined;
  return Number.isInteger(value) && value >= 0 && (max === undefined || value <= max)
    ? Duration.seconds(value)
    : invalid(key, String(value), max === undefined ? "whole seconds" : `whole seconds from 0 to ${max}`);
}

const optionalSeconds = (value: number | undefined) =>
  value === undefined ? undefined : Duration.seconds(value);

function oneOf<T>(key: string, choices: Record<string, T>): T | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const choice = choices[value];
  return choice !== undefined ? choice : invalid(key, value, `one of ${Object.keys(choices).join(", ")}`);
}

/** A setting the Lambdas read: its text, and its value as they parse it (lambdas/config.ts). */
function tunable<T extends Tunable>(key: string, name: T) {
  const text = context(key);
  if (text === undefined) return undefined;
  return { text, value: requireTunable(name, text, `context ${key}`) };
}

function logRetention(key: string): RetentionDays | undefined {
  const days = positiveInteger(key);
  if (days === undefined) return undefined;
  // CloudWatch Logs accepts only its own list of retention periods.
  return Object.values(RetentionDays).includes(days)
    ? (days as RetentionDays)
    : invalid(key, String(days), "a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, ...)");
}

new WebhookPlatformStack(app, "Hookline", {
  description: "Hookline: serverless webhook delivery",
  retrySchedule: tunable("retrySchedule", "RETRY_SCHEDULE")?.text,
  maxEndpointsPerTenant: tunable("maxEndpointsPerTenant", "MAX_ENDPOINTS_PER_TENANT")?.value,
  allowedUrlSchemes: tunable("allowedUrlSchemes", "ALLOWED_URL_SCHEMES")?.value,
  allowPrivateAddresses: tunable("allowPrivateAddresses", "ALLOW_PRIVATE_ADDRESSES")?.value,
  removalPolicy: oneOf("removalPolicy", { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY }),
  logRetention: logRetention("logRetentionDays"),
  deliveryLogRetentionDays: tunable("deliveryLogRetentionDays", "DELIVERY_LOG_RETENTION_DAYS")?.value,
  deliveryFailureRateThreshold: number("deliveryFailureRateThreshold"),
  breakerThreshold: tunable("breakerThreshold", "BREAKER_THRESHOLD")?.value,
  drainRatePerSecond: tunable("drainRatePerSecond", "DRAIN_RATE_PER_SECOND")?.value,
  slowLaneMaxConcurrency: positiveInteger("slowLaneMaxConcurrency"),
  deliveryMaxConcurrency: positiveInteger("deliveryMaxConcurrency"),
  deliveryBatchSize: positiveInteger("deliveryBatchSize"),
  // Lambda's SQS event source takes a batching window of 0 to 300 whole seconds.
  deliveryBatchingWindow: seconds("deliveryBatchingWindowSeconds", 300),
  // The SNS topic the alarms notify, by ARN.
  alarmTopicArn: context("alarmTopicArn"),
  catalogCacheTtl: optionalSeconds(tunable("catalogCacheSeconds", "CATALOG_CACHE_SECONDS")?.value),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
