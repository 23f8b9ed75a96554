/** @module The use cases that change webhook endpoints (docs/api.md): create, update, delete. */
import { randomUUID } from "node:crypto";
import { setTimeout } from "node:timers/promises";
import {
  ConflictError,
  EndpointLimitReachedError,
  EndpointVerificationFailedError,
  LimitExceededError,
  notFoundIfGone,
  SlugTakenError,
  StaleWriteError,
  ValidationError,
} from "./errors";
import { type EventCatalog, isSubscribable } from "./catalog/catalog";
import { firstOverlap, PLATFORM_EVENT_TYPES } from "./event-types";
import { generateSecret } from "./signing";
import { firstFreeSlug, slugify } from "./slug";
import {
  DOES_NOT_RESOLVE,
  ipLiteralHost,
  isForbiddenAddress,
  NOT_PUBLIC_ADDRESS,
  RESOLVES_TO_NOT_PUBLIC,
  type UrlPolicy,
} from "./url-policy";
import { noParametersSchema, parseInput } from "./validation";
import {
  createWebhookSchema,
  HEALTHY,
  toView,
  updateWebhookSchema,
  type WebhookEndpoint,
  SECRET_ROTATION_OVERLAP_MS,
  type WebhookEndpointView,
} from "./webhook-endpoint";
import { isParking } from "./delivery/policy";
import { findEndpoint } from "./webhook-queries";
import { buildWebhookRequest } from "./webhook-request";
import { describeAttempt, isSuccessfulAttempt, type WebhookSender } from "./webhook-sender";
import { type UrlRegistrations, type WebhookStore } from "./webhook-store";

export interface EndpointPolicy extends UrlPolicy {
  readonly maxEndpoints: number;
}

export interface WebhookManagementDeps {
  readonly store: WebhookStore;
  readonly sender: WebhookSender;
  /** The addresses a host name resolves to; throws when it does not resolve. */
  readonly resolveHost: (hostname: string) => Promise<readonly string[]>;
  readonly policy: EndpointPolicy;
  /** The operator's event types, which `events` must match; read fresh for every request. */
  readonly catalog: EventCatalog;
  readonly clock?: () => Date;
  readonly newId?: () => string;
}

export type CreatedWebhook = WebhookEndpointView & { readonly secret_token: string };

// A write that loses a race re-reads and tries again after a jittered, growing pause (every
// create in a tenant writes the tenant's endpoint counter, so bursts collide); past this
// many attempts the caller is told to retry.
const MAX_WRITE_ATTEMPTS = 8;
const backoff = (attempt: number) => setTimeout(Math.random() * Math.min(500, 10 * 2 ** attempt));

export function webhookManagement(deps: WebhookManagementDeps) {
  const { store, policy } = deps;
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;

  /**
   * The scheme, then (unless private addresses are allowed) the address: an IP literal as it is,
   * a host name by every address it resolves to, refused if any one is not public (the sender
   * checks again at every connection). A name that does not resolve is refused when the endpoint
   * is to be verified; with `verify: false` it is kept, and delivery finds out (docs/api.md).
   */
  async function checkUrlPolicy(rawUrl: string, verify: boolean): Promise<void> {
    const url = new URL(rawUrl);
    const scheme = url.protocol.slice(0, -1);
    const refuse = (message: string) =>
      new ValidationError(message, { details: [{ field: "url", message }] });
    if (!policy.allowedSchemes.includes(scheme as "https" | "http")) {
      throw refuse(`url must use ${policy.allowedSchemes.join(" or ")}`);
    }
    if (policy.allowPrivateAddresses) return;
    const literal = ipLiteralHost(url);
    if (literal) {
      if (isForbiddenAddress(literal)) throw refuse(NOT_PUBLIC_ADDRESS);
      return;
    }
    const addresses = await deps.resolveHost(url.hostname).catch(() => []);
    if (addresses.length === 0) {
      if (verify) throw refuse(DOES_NOT_RESOLVE);
    } else if (addresses.some(isForbiddenAddress)) {
      throw refuse(RESOLVES_TO_NOT_PUBLIC);
    }
  }

  /** Every pattern must match a type of the catalog (or one of the platform's own). */
  async function checkSubscribable(events: readonly string[]): Promise<void> {
    const types = await deps.catalog.types();
    const details = events.flatMap((pattern, i) =>
      isSubscribable(pattern, types)
        ? []
        : [{ field: `events.${i}`, message: `unknown event type ${pattern}; see GET /v1/webhooks/events` }],
    );
    if (details.length) {
      throw new ValidationError(`invalid webhook: ${details.map((d) => d.message).join("; ")}`, { details });
    }
  }

  function checkNoOverlap(
    registrations: UrlRegistrations | undefined,
    events: readonly string[],
    self?: string,
  ) {
    for (const [otherId, otherEvents] of Object.entries(registrations?.subscriptions ?? {})) {
      if (otherId === self) continue;
      const overlap = firstOverlap(events, otherEvents);
      if (overlap) {
        throw new ConflictError(
          `this url is already registered for ${overlap[1]} by webhook ${otherId}; update that endpoint instead`,
          { details: [{ field: "events", message: `${overlap[0]} overlaps ${overlap[1]}` }] },
        );
      }
    }
  }

  /** The signed webhook.verification POST; saves nothing unless it answers 2xx in time. */
  async function verifyEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    const now = clock();
    const request = buildWebhookRequest({
      target: {
        url: endpoint.url,
        method: endpoint.http_method,
        headers: endpoint.headers,
        field_mapping: {},
        secrets: [endpoint.secret],
      },
      messageId: `msg_${newId()}`,
      event: {
        id: `evt_${newId()}`,
        type: PLATFORM_EVENT_TYPES.verification,
        created_at: now.toISOString(),
        data: { webhook_id: endpoint.id, name: endpoint.name, url: endpoint.url },
      },
      attempt: 1,
      now,
      mapFields: false,
    });
    const result = await deps.sender.send(request);
    if (!isSuccessfulAttempt(result)) {
      throw new EndpointVerificationFailedError(
        `the verification POST to ${endpoint.url} ${describeAttempt(result)}; the endpoint must answer 2xx within 3 s (or create it with "verify": false)`,
        { details: [{ field: "url", message: describeAttempt(result) }] },
      );
    }
  }

  async function retryOnRace<T>(write: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(attempt);
      } catch (error) {
        if (!(error instanceof StaleWriteError)) throw error;
        if (attempt >= MAX_WRITE_ATTEMPTS) {
          throw new ConflictError("the endpoint was changed by concurrent requests; try again", {
            cause: error,
          });
        }
        await backoff(attempt);
      }
    }
  }

  return {
    async create(tenantId: string, body: unknown): Promise<CreatedWebhook> {
      const input = parseInput(createWebhookSchema, body, "webhook");
      await checkSubscribable(input.events);
      await checkUrlPolicy(input.url, input.verify !== false);
      const now = clock().toISOString();
      const draft = {
        id: newId(),
        tenant_id: tenantId,
        name: input.name,
        url: input.url,
        http_method: input.http_method ?? "POST",
        events: input.events,
        description: input.description ?? null,
        is_active: input.is_active ?? true,
        headers: input.headers ?? {},
        field_mapping: input.field_mapping ?? {},
        filter: input.filter ?? null,
        target_pipeline_id: input.target_pipeline_id ?? null,
        target_column_id: input.target_column_id ?? null,
        disabled_reason: input.is_active === false ? ("manual" as const) : null,
        disabled_at: input.is_active === false ? now : null,
        created_at: now,
        updated_at: now,
        secret: generateSecret(),
        version: 1,
        health: HEALTHY,
      };
      const endpoint = await retryOnRace(async (attempt) => {
        const existing = await store.list(tenantId);
        if (existing.length >= policy.maxEndpoints) throw limitExceeded(policy.maxEndpoints);
        const registrations = await store.urlRegistrations(tenantId, input.url);
        checkNoOverlap(registrations, input.events);
        const takenSlugs = new Set(existing.map((e) => e.slug));
        if (input.slug && takenSlugs.has(input.slug)) throw slugConflict(input.slug);
        const candidate: WebhookEndpoint = {
          ...draft,
          slug: input.slug ?? firstFreeSlug(slugify(input.name), takenSlugs),
        };
        if (attempt === 1 && input.verify !== false) await verifyEndpoint(candidate);
        try {
          await store.insert(candidate, {
            urlVersion: registrations?.version,
            maxEndpoints: policy.maxEndpoints,
          });
        } catch (error) {
          if (error instanceof EndpointLimitReachedError) throw limitExceeded(policy.maxEndpoints);
          // A generated slug taken meanwhile is picked again; a chosen one is the caller's conflict.
          if (error instanceof SlugTakenError)
            throw input.slug ? slugConflict(input.slug) : new StaleWriteError();
          throw error;
        }
        return candidate;
      });
      return { ...toView(endpoint), secret_token: endpoint.secret };
    },

    async update(tenantId: string, id: string, body: unknown): Promise<WebhookEndpointView> {
      const input = parseInput(updateWebhookSchema, body, "webhook update");
      const { verify, ...changes } = input;
      // Types removed from the catalog keep working for endpoints that do not change their events.
      if (changes.events) await checkSubscribable(changes.events);
      let verified = false;
      const updated = await retryOnRace(async () => {
        const before = await findEndpoint(store, tenantId, id);
        const now = clock().toISOString();
        const reactivated = changes.is_active === true && !before.is_active;
        // A breaker still probing keeps its probes; one that gave up is forgotten, all but where
        // its parked deliveries start, so that a walk of them still finds them.
        const resetHealth = reactivated && !isParking(before.health);
        const deactivated = changes.is_active === false && before.is_active;
        const after: WebhookEndpoint = {
          ...before,
          ...changes,
          ...(reactivated ? { disabled_reason: null, disabled_at: null } : {}),
          // Re-enabling starts the endpoint afresh: a breaker that disabled it must not park its next delivery.
          ...(resetHealth
            ? {
                health: {
                  ...HEALTHY,
                  opened_at: before.health.opened_at,
                  parked_from: before.health.parked_from,
                },
              }
            : {}),
          ...(deactivated ? { disabled_reason: "manual" as const, disabled_at: now } : {}),
          updated_at: laterThan(before.updated_at, new Date(now)),
          version: before.version + 1,
        };
        const urlChanged = after.url !== before.url;
        const urlVersions = new Map<string, number | undefined>();
        if (urlChanged || changes.events) {
          if (urlChanged) await checkUrlPolicy(after.url, verify !== false);
          const registrations = await store.urlRegistrations(tenantId, after.url);
          checkNoOverlap(registrations, after.events, id);
          urlVersions.set(after.url, registrations?.version);
          if (urlChanged)
            urlVersions.set(before.url, (await store.urlRegistrations(tenantId, before.url))?.version);
        }
        if (urlChanged && verify !== false && !verified) {
          await verifyEndpoint(after);
          verified = true;
        }
        try {
          await notFoundIfGone(id, () => store.replace(before, after, { urlVersions, resetHealth }));
        } catch (error) {
          if (error instanceof SlugTakenError) throw slugConflict(after.slug);
          throw error;
        }
        return after;
      });
      return toView(updated);
    },

    /**
     * A new secret, shown once. The old one keeps signing beside it for 24 h, so receivers
     * can switch over without dropping a delivery; rotating again ends that overlap early.
     */
    async rotateSecret(tenantId: string, id: string, body: unknown): Promise<CreatedWebhook> {
      parseInput(noParametersSchema, body, "rotate-secret request");
      const secret = generateSecret();
      const rotated = await retryOnRace(async () => {
        const before = await findEndpoint(store, tenantId, id);
        const now = clock();
        const after: WebhookEndpoint = {
          ...before,
          secret,
          previous_secret: before.secret,
          previous_secret_until: new Date(now.getTime() + SECRET_ROTATION_OVERLAP_MS).toISOString(),
          updated_at: laterThan(before.updated_at, now),
          version: before.version + 1,
        };
        await notFoundIfGone(id, () => store.replace(before, after, { urlVersions: new Map() }));
        return after;
      });
      return { ...toView(rotated), secret_token: rotated.secret };
    },

    async remove(tenantId: string, id: string): Promise<{ id: string; deleted: true }> {
      // Again on a race: the delivery worker may be writing the endpoint's health at that moment.
      const removed = await retryOnRace(async () => {
        const endpoint = await findEndpoint(store, tenantId, id);
        await notFoundIfGone(id, () => store.remove(endpoint));
        return endpoint;
      });
      return { id: removed.id, deleted: true };
    },
  };
}

export type WebhookManagement = ReturnType<typeof webhookManagement>;

/** `now`, or just after `previous` if the clock has not moved past it: updated_at only grows. */
function laterThan(previous: string, now: Date): string {
  const at = now.toISOString();
  return at > previous ? at : new Date(Date.parse(previous) + 1).toISOString();
}

function limitExceeded(max: number): LimitExceededError {
  return new LimitExceededError(`a tenant can have at most ${max} webhook endpoints; delete one first`);
}

function slugConflict(slug: string): ConflictError {
  return new ConflictError(`slug "${slug}" is already used by another endpoint`, {
    details: [{ field: "slug", message: "already used" }],
  });
}
