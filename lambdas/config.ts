import * as z from "zod";
import { parseRetrySchedule } from "./core/retry-schedule";
import { lazySchema } from "./core/validation";

/**
 * The environment each Lambda reads, parsed once per cold start. Each handler
 * asks only for the sections it uses, so a function deployed without (say) the
 * queue URL fails at start-up only if it needs the queue.
 */
const nonEmpty = () => z.string().min(1);
const flag = () => z.enum(["true", "false"]).transform((v) => v === "true");

const sections = {
  table: lazySchema(() => z.object({ TABLE_NAME: nonEmpty() })),
  eventsQueue: lazySchema(() => z.object({ EVENTS_QUEUE_URL: nonEmpty() })),
  deadLetters: lazySchema(() => z.object({ EVENTS_DLQ_URL: nonEmpty() })),
  retention: lazySchema(() =>
    z.object({ DELIVERY_LOG_RETENTION_DAYS: z.coerce.number().int().min(2).max(3650).default(30) }),
  ),
  scheduler: lazySchema(() =>
    z.object({
      SCHEDULER_GROUP_NAME: nonEmpty(),
      SCHEDULER_ROLE_ARN: nonEmpty(),
      SCHEDULER_TARGET_ARN: nonEmpty(),
      SCHEDULER_DLQ_ARN: z.string().optional(),
      // AWS fires one-time schedules to the minute; the local emulator to the second.
      SCHEDULER_MIN_LEAD_SECONDS: z.coerce.number().int().min(0).default(60),
    }),
  ),
  retries: lazySchema(() =>
    z.object({
      RETRY_SCHEDULE: z
        .string()
        .default("0s,20m,1h,2h,6h,14h,38h")
        .transform((value, ctx) => {
          try {
            return parseRetrySchedule(value);
          } catch (error) {
            ctx.addIssue({ code: "custom", message: (error as Error).message });
            return z.NEVER;
          }
        }),
    }),
  ),
  slowLane: lazySchema(() => z.object({ SLOW_LANE_QUEUE_URL: nonEmpty() })),
  catalog: lazySchema(() =>
    z.object({
      // How long ingest (the delivery workers, POST /v1/events) reuses the event-type catalog it read:
      // an operator's change applies within this time. Endpoint create and update always read it fresh.
      CATALOG_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    }),
  ),
  endpointHealth: lazySchema(() =>
    z.object({
      // Consecutive failed attempts, across an endpoint's deliveries, that open its circuit breaker.
      BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(10),
      // Parked deliveries a drain sends per second once the breaker closes: a part a second, of at most 100.
      DRAIN_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100).default(20),
    }),
  ),
  endpointPolicy: lazySchema(() =>
    z.object({
      // One worker sends an event to all its endpoints at once (MAX_FAN_OUT_WRITES in core/delivery/model.ts).
      MAX_ENDPOINTS_PER_TENANT: z.coerce.number().int().positive().max(99).default(50),
      ALLOWED_URL_SCHEMES: z
        .string()
        .default("https")
        .transform((v) => v.split(",").map((s) => s.trim().toLowerCase()))
        .pipe(z.array(z.enum(["https", "http"])).min(1)),
      ALLOW_PRIVATE_ADDRESSES: flag().default(false),
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
