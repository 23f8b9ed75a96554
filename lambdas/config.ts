/**
 * @module The environment each Lambda reads, parsed once per cold start. Each handler
 * asks only for the sections it uses, so a function deployed without (say) the
 * queue URL fails at start-up only if it needs the queue.
 *
 * This is the one definition of every tunable an operator sets: its default (TUNABLE_DEFAULTS)
 * and its rule (the section's schema). The stack and bin/app.ts check the props and context they
 * are given with requireTunable, so a rule changed here is enforced at synth too.
 */
import * as z from "zod/mini";
import { MAX_FAN_OUT_WRITES } from "./core/delivery/model";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "./core/retry-schedule";
import { lazySchema } from "./core/validation";

/** The default of each tunable, as the environment holds it. */
export const TUNABLE_DEFAULTS = {
  DELIVERY_LOG_RETENTION_DAYS: "30",
  RETRY_SCHEDULE: DEFAULT_RETRY_SCHEDULE,
  CATALOG_CACHE_SECONDS: "30",
  BREAKER_THRESHOLD: "10",
  DRAIN_RATE_PER_SECOND: "20",
  MAX_ENDPOINTS_PER_TENANT: "50",
  ALLOWED_URL_SCHEMES: "https",
  ALLOW_PRIVATE_ADDRESSES: "false",
} as const;
export type Tunable = keyof typeof TUNABLE_DEFAULTS;

/** A tunable's rule, given its default as text: a missing variable is parsed as its default. */
const tunable = <T extends z.ZodMiniType>(name: Tunable, rule: T) =>
  z.prefault(rule, TUNABLE_DEFAULTS[name] as z.input<T>);

const nonEmpty = () => z.string().check(z.minLength(1));
const flag = () =>
  z.pipe(
    z.enum(["true", "false"]),
    z.transform((v) => v === "true"),
  );
const wholeNumber = (min: number, max: number, tooBig?: string) =>
  z.coerce.number().check(z.int(), z.gte(min), z.lte(max, tooBig));

const sections = {
  table: lazySchema(() => z.object({ TABLE_NAME: nonEmpty() })),
  eventsQueue: lazySchema(() => z.object({ EVENTS_QUEUE_URL: nonEmpty() })),
  deadLetters: lazySchema(() => z.object({ EVENTS_DLQ_URL: nonEmpty() })),
  retention: lazySchema(() =>
    z.object({
      DELIVERY_LOG_RETENTION_DAYS: tunable("DELIVERY_LOG_RETENTION_DAYS", wholeNumber(2, 3650)),
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
      RETRY_SCHEDULE: tunable(
        "RETRY_SCHEDULE",
        z.pipe(
          z.string(),
          z.transform((value, ctx) => {
            try {
              return parseRetrySchedule(value);
            } catch (error) {
              ctx.issues.push({ code: "custom", message: (error as Error).message, input: value });
              return z.NEVER;
            }
          }),
        ),
      ),
    }),
  ),
  slowLane: lazySchema(() => z.object({ SLOW_LANE_QUEUE_URL: nonEmpty() })),
  catalog: lazySchema(() =>
    z.object({
      // How long ingest (the delivery workers, POST /v1/events) reuses the event-type catalog it read:
      // an operator's change applies within this time. Endpoint create and update always read it fresh.
      CATALOG_CACHE_SECONDS: tunable("CATALOG_CACHE_SECONDS", wholeNumber(0, 300)),
    }),
  ),
  endpointHealth: lazySchema(() =>
    z.object({
      // Consecutive failed attempts, across an endpoint's deliveries, that open its circuit breaker.
      BREAKER_THRESHOLD: tunable("BREAKER_THRESHOLD", wholeNumber(1, 1000)),
      // Parked deliveries a drain sends per second once the breaker closes: a part a second, of at most 100.
      DRAIN_RATE_PER_SECOND: tunable("DRAIN_RATE_PER_SECOND", wholeNumber(1, 100)),
    }),
  ),
  endpointPolicy: lazySchema(() =>
    z.object({
      MAX_ENDPOINTS_PER_TENANT: tunable(
        "MAX_ENDPOINTS_PER_TENANT",
        wholeNumber(
          1,
          MAX_FAN_OUT_WRITES,
          `at most ${MAX_FAN_OUT_WRITES}: one worker invocation sends an event to all its endpoints at once`,
        ),
      ),
      ALLOWED_URL_SCHEMES: tunable(
        "ALLOWED_URL_SCHEMES",
        z.pipe(
          z.pipe(
            z.string(),
            z.transform((v) => v.split(",").map((s) => s.trim().toLowerCase())),
          ),
          z.array(z.enum(["https", "http"])).check(z.minLength(1)),
        ),
      ),
      ALLOW_PRIVATE_ADDRESSES: tunable("ALLOW_PRIVATE_ADDRESSES", flag()),
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

/** The section each tunable is in; each of these sections holds tunables only. */
const SECTION_OF_TUNABLE = {
  DELIVERY_LOG_RETENTION_DAYS: "retention",
  RETRY_SCHEDULE: "retries",
  CATALOG_CACHE_SECONDS: "catalog",
  BREAKER_THRESHOLD: "endpointHealth",
  DRAIN_RATE_PER_SECOND: "endpointHealth",
  MAX_ENDPOINTS_PER_TENANT: "endpointPolicy",
  ALLOWED_URL_SCHEMES: "endpointPolicy",
  ALLOW_PRIVATE_ADDRESSES: "endpointPolicy",
} as const satisfies Record<Tunable, ConfigSection>;

type TunableSection<T extends Tunable> = Config<(typeof SECTION_OF_TUNABLE)[T]>;
type TunableValue<T extends Tunable> = TunableSection<T>[T & keyof TunableSection<T>];

/** One tunable's text as the Lambdas read it: its value, or why they would refuse it. */
export function parseTunable<T extends Tunable>(
  name: T,
  text: string,
): { ok: true; value: TunableValue<T> } | { ok: false; problem: string } {
  const result = sections[SECTION_OF_TUNABLE[name]].safeParse({ [name]: text });
  if (result.success) {
    return { ok: true, value: (result.data as Record<string, unknown>)[name] as TunableValue<T> };
  }
  return { ok: false, problem: result.error.issues.map((i) => i.message).join("; ") };
}

/**
 * One tunable's value, or an error "<label>=<text> is invalid: <the Lambdas' reason>": how the
 * stack, the CDK app and the local run refuse a setting before anything is deployed or started.
 */
export function requireTunable<T extends Tunable>(
  name: T,
  text: string,
  label: string = name,
): TunableValue<T> {
  const parsed = parseTunable(name, text);
  if (!parsed.ok) throw new Error(`${label}=${text} is invalid: ${parsed.problem}`);
  return parsed.value;
}
