/**
 * @module The environment each Lambda reads, parsed once per cold start. Each handler
 * asks only for the sections it uses, so a function deployed without (say) the
 * queue URL fails at start-up only if it needs the queue.
 */
import * as z from "zod/mini";
import { parseRetrySchedule } from "./core/retry-schedule";
import { lazySchema } from "./core/validation";

const nonEmpty = () => z.string().check(z.minLength(1));
const flag = () => z.pipe(z.enum(["true", "false"]), z.transform((v) => v === "true"));

const sections = {
  table: lazySchema(() => z.object({ TABLE_NAME: nonEmpty() })),
  eventsQueue: lazySchema(() => z.object({ EVENTS_QUEUE_URL: nonEmpty() })),
  deadLetters: lazySchema(() => z.object({ EVENTS_DLQ_URL: nonEmpty() })),
  retention: lazySchema(() =>
    z.object({
      DELIVERY_LOG_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(2), z.lte(3650)), 30),
    }),
  ),
  scheduler: lazySchema(() =>
    z.object({
      SCHEDULER_GROUP_NAME: nonEmpty(),
      SCHEDULER_ROLE_ARN: nonEmpty(),
      SCHEDULER_TARGET_ARN: nonEmpty(),
      SCHEDULER_DLQ_ARN: z.optional(z.string()),
      // AWS fires one-time schedules to the minute; the local emulator to the second.
      SCHEDULER_MIN_LEAD_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0)), 60),
    }),
  ),
  retries: lazySchema(() =>
    z.object({
      RETRY_SCHEDULE: z.pipe(
        z._default(z.string(), "0s,20m,1h,2h,6h,14h,38h"),
        z.transform((value, ctx) => {
          try {
            return parseRetrySchedule(value);
          } catch (error) {
            ctx.issues.push({ code: "custom", message: (error as Error).message, input: value });
            return z.NEVER;
          }
        }),
      ),
    }),
  ),
  slowLane: lazySchema(() => z.object({ SLOW_LANE_QUEUE_URL: nonEmpty() })),
  catalog: lazySchema(() =>
    z.object({
      // How long ingest (the delivery workers, POST /v1/events) reuses the event-type catalog it read:
      // an operator's change applies within this time. Endpoint create and update always read it fresh.
      CATALOG_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(300)), 30),
    }),
  ),
  endpointHealth: lazySchema(() =>
    z.object({
      // Consecutive failed attempts, across an endpoint's deliveries, that open its circuit breaker.
      BREAKER_THRESHOLD: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 10),
      // Parked deliveries a drain sends per second once the breaker closes: a part a second, of at most 100.
      DRAIN_RATE_PER_SECOND: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
    }),
  ),
  endpointPolicy: lazySchema(() =>
    z.object({
      // One worker sends an event to all its endpoints at once (MAX_FAN_OUT_WRITES in core/delivery/model.ts).
      MAX_ENDPOINTS_PER_TENANT: z._default(z.coerce.number().check(z.int(), z.positive(), z.lte(99)), 50),
      ALLOWED_URL_SCHEMES: z.pipe(
        z.pipe(
          z._default(z.string(), "https"),
          z.transform((v) => v.split(",").map((s) => s.trim().toLowerCase())),
        ),
        z.array(z.enum(["https", "http"])).check(z.minLength(1)),
      ),
      ALLOW_PRIVATE_ADDRESSES: z._default(flag(), false),
    }),
  ),
} as const;

type Sections = typeof sections;
export type ConfigSection = keyof Sections;
export type Config<K extends ConfigSection> = z.output<Sections[K]>;

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

export function loadConfig<K extends ConfigSection>(
  section: K,
  env: Record<string, string | undefined> = process.env,
): Config<K> {
  const result = sections[section].safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigurationError(`invalid ${section} configuration: ${problems}`);
  }
  return result.data as Config<K>;
}
