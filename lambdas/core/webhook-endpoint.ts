/** @module A tenant's webhook endpoint as stored, and the shapes the API accepts and returns. */
import * as z from "zod/mini";
import { EVENT_TYPE_PATTERN } from "./event-types";
import { FIELD_PATH_PATTERN, MAX_FIELD_PATH_LENGTH } from "./field-mapping";
import { type PayloadFilter, payloadFilterSchema } from "./payload-filter";
import { MAX_SLUG_LENGTH, SLUG_PATTERN } from "./slug";
import { lazySchema, trimmedText } from "./validation";
import { HTTP_METHODS, type HttpMethod } from "./webhook-request";

export type DisabledReason = "delivery_failed" | "gone" | "manual";

/**
 * How an endpoint has been answering lately (docs/delivery.md), kept by the delivery
 * worker and shown read-only. `healthy`: sent at once; `slow`: sent from the
 * slow lane; `open`: the circuit breaker parks its deliveries and probes it.
 */
export type HealthState = "healthy" | "slow" | "open";

export interface EndpointHealth {
  readonly state: HealthState;
  /** When it entered this state; null while it has never left `healthy`. */
  readonly since: string | null;
  readonly consecutive_failures: number;
  /** While open: when the next probe is due (null once the last probe has failed). */
  readonly next_probe_at: string | null;
  /** When the breaker last opened: it names the probe chain, and stays after the breaker closes. */
  readonly opened_at: string | null;
  /** Failed probes of the open breaker. */
  readonly probes: number;
  /** The oldest delivery parked since the breaker opened, where a drain starts; null when none is left. */
  readonly parked_from: string | null;
}

export const HEALTHY: EndpointHealth = {
  state: "healthy",
  since: null,
  consecutive_failures: 0,
  next_probe_at: null,
  opened_at: null,
  probes: 0,
  parked_from: null,
};

export type EndpointHealthView = Pick<
  EndpointHealth,
  "state" | "since" | "consecutive_failures" | "next_probe_at"
>;

export interface WebhookEndpoint {
  readonly id: string;
  readonly tenant_id: string;
  readonly name: string;
  readonly slug: string;
  readonly url: string;
  /** What deliveries and the verification request are sent with; POST for endpoints stored before it existed. */
  readonly http_method: HttpMethod;
  readonly events: readonly string[];
  readonly description: string | null;
  readonly is_active: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly field_mapping: Readonly<Record<string, string>>;
  /** Which producer events the endpoint gets, by their data (./payload-filter.ts); null for all. */
  readonly filter: PayloadFilter | null;
  readonly target_pipeline_id: string | null;
  readonly target_column_id: string | null;
  readonly disabled_reason: DisabledReason | null;
  readonly disabled_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly secret: string;
  /** After a rotation, the secret before it, which keeps signing alongside until `previous_secret_until`. */
  readonly previous_secret?: string | null;
  readonly previous_secret_until?: string | null;
  /** Optimistic-lock counter: every write names the version it read. */
  readonly version: number;
  /** Stored beside the endpoint and written by the delivery worker alone, so it never bumps `version`. */
  readonly health: EndpointHealth;
}

export type WebhookEndpointView = Omit<
  WebhookEndpoint,
  "tenant_id" | "secret" | "version" | "previous_secret" | "previous_secret_until" | "health"
> & { readonly health: EndpointHealthView };

/** docs/api.md: after a rotation, the old secret signs alongside the new one for this long. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** The secrets that sign a delivery at `now`, newest first. */
export function signingSecrets(endpoint: WebhookEndpoint, now: Date): string[] {
  const { secret, previous_secret, previous_secret_until } = endpoint;
  const overlapping = previous_secret && previous_secret_until && now.toISOString() < previous_secret_until;
  return overlapping ? [secret, previous_secret] : [secret];
}

/** The API's view, fields in a fixed order whatever order storage returned them in. */
export function toView(e: WebhookEndpoint): WebhookEndpointView {
  return {
    id: e.id,
    name: e.name,
    slug: e.slug,
    url: e.url,
    http_method: e.http_method,
    events: e.events,
    description: e.description,
    is_active: e.is_active,
    headers: e.headers,
    field_mapping: e.field_mapping,
    filter: e.filter,
    target_pipeline_id: e.target_pipeline_id,
    target_column_id: e.target_column_id,
    health: {
      state: e.health.state,
      since: e.health.since,
      consecutive_failures: e.health.consecutive_failures,
      next_probe_at: e.health.next_probe_at,
    },
    disabled_reason: e.disabled_reason,
    disabled_at: e.disabled_at,
    created_at: e.created_at,
    updated_at: e.updated_at,
  };
}

// Headers the platform sets itself, or that would break HTTP framing if an integrator set them.
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
]);
const RESERVED_HEADER_PREFIXES = ["webhook-", "x-webhook-", "proxy-"];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, spaces and tabs: no CR, LF, NUL or other controls (header injection), and
// nothing beyond ASCII, which HTTP clients refuse to put in a header.
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const MAX_HEADERS = 20;

const headersSchema = () =>
  z
    .record(z.string(), z.string().check(z.maxLength(4096, "a header value is at most 4096 characters")))
    .check(
      z.superRefine((headers, ctx) => {
        const names = Object.keys(headers);
        if (names.length > MAX_HEADERS)
          ctx.addIssue({ code: "custom", message: `at most ${MAX_HEADERS} headers` });
        const seen = new Set<string>();
        for (const name of names) {
          const lower = name.toLowerCase();
          const issue = (message: string) => ctx.addIssue({ code: "custom", path: [name], message });
          if (!HEADER_NAME.test(name)) issue(`"${name}" is not a valid HTTP header name`);
          else if (RESERVED_HEADERS.has(lower) || RESERVED_HEADER_PREFIXES.some((p) => lower.startsWith(p)))
            issue(`"${name}" is set by the platform and cannot be overridden`);
          else if (seen.has(lower)) issue(`"${name}" is given twice`);
          if (!HEADER_VALUE.test(headers[name] ?? ""))
            issue("a header value is printable ASCII: no control characters or non-ASCII text");
          seen.add(lower);
        }
      }),
    );

const urlSchema = () =>
  z.string().check(
    z.maxLength(2048, "url is at most 2048 characters"),
    z.superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "url is not a valid absolute URL" });
        return;
      }
      if (url.protocol !== "https:" && url.protocol !== "http:")
        ctx.addIssue({ code: "custom", message: "url must use https" });
      if (url.username || url.password)
        ctx.addIssue({ code: "custom", message: "url must not contain credentials; use headers instead" });
      if (url.hash) ctx.addIssue({ code: "custom", message: "url must not contain a #fragment" });
    }),
  );

const eventsSchema = () =>
  z.pipe(
    z
      .array(
        // Whether each pattern matches a type of the catalog is checked against the catalog as it is
        // now, by the use case (webhook-management.ts).
        z
          .string()
          .check(
            z.maxLength(200),
            z.regex(EVENT_TYPE_PATTERN, "an event type is like crm.lead.created, crm.* or *"),
          ),
      )
      .check(
        z.minLength(1, "subscribe to at least one event type"),
        z.maxLength(50, "at most 50 event types"),
      ),
    z.transform((events) => [...new Set(events)]),
  );

const nullableText = (max: number, field: string) =>
  z.nullable(z.string().check(z.maxLength(max, `${field} is at most ${max} characters`)));

/** The fields an integrator writes, built for each schema that holds them. */
const writableFields = () => ({
  name: trimmedText("name", 100),
  slug: z
    .string()
    .check(
      z.maxLength(MAX_SLUG_LENGTH),
      z.regex(SLUG_PATTERN, "slug is lowercase letters, digits and single dashes"),
    ),
  url: urlSchema(),
  http_method: z.enum(HTTP_METHODS, `http_method is one of ${HTTP_METHODS.join(", ")}`),
  events: eventsSchema(),
  description: nullableText(500, "description"),
  is_active: z.boolean(),
  headers: headersSchema(),
  field_mapping: z
    .record(
      z.string().check(z.minLength(1), z.maxLength(100)),
      z
        .string()
        .check(
          z.maxLength(MAX_FIELD_PATH_LENGTH),
          z.regex(FIELD_PATH_PATTERN, "a field_mapping value is a dot path like lead.email"),
        ),
    )
    .check(z.refine((m) => Object.keys(m).length <= 100, "at most 100 mapped fields")),
  filter: z.nullable(payloadFilterSchema),
  target_pipeline_id: nullableText(200, "target_pipeline_id"),
  target_column_id: nullableText(200, "target_column_id"),
});

/** Every field an integrator writes, and `verify`: false skips the verification POST (docs/api.md). */
const endpointBody = () => z.strictObject({ ...writableFields(), verify: z.optional(z.boolean()) });

/** To create an endpoint, name, url and events are required; every other field has a default. */
export const createWebhookSchema = lazySchema(() =>
  z.partial(endpointBody(), {
    slug: true,
    http_method: true,
    description: true,
    is_active: true,
    headers: true,
    field_mapping: true,
    filter: true,
    target_pipeline_id: true,
    target_column_id: true,
  }),
);
export type CreateWebhookInput = z.output<typeof createWebhookSchema>;

export const updateWebhookSchema = lazySchema(() =>
  z
    .partial(endpointBody())
    .check(
      z.refine((body) => Object.keys(body).some((k) => k !== "verify"), "give at least one field to update"),
    ),
);
export type UpdateWebhookInput = z.output<typeof updateWebhookSchema>;

export const webhookIdSchema = lazySchema(() => z.uuid("webhook id must be a UUID"));

export const listWebhooksQuerySchema = lazySchema(() =>
  z.strictObject({
    page: z._default(z.coerce.number().check(z.int(), z.gte(1, "page starts at 1"), z.lte(10_000)), 1),
    limit: z._default(
      z.coerce.number().check(z.int(), z.gte(1, "limit is at least 1"), z.lte(100, "limit is at most 100")),
      20,
    ),
    active: z.optional(
      z.pipe(
        z.enum(["true", "false"], "active is true or false"),
        z.transform((v) => v === "true"),
      ),
    ),
  }),
);
export type ListWebhooksQuery = z.output<typeof listWebhooksQuerySchema>;
