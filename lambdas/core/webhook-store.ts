/**
 * @module Persistence of webhook endpoints (a port; lambdas/adapters implements it).
 * Uniqueness is enforced by the write itself, never by a read before it: each
 * write names the versions it read and fails with StaleWriteError if another
 * request changed them in between.
 */
import type { WebhookEndpoint } from "./webhook-endpoint";

/** Which endpoints of a tenant are registered at one URL, and for which event patterns. */
export interface UrlRegistrations {
  readonly version: number;
  readonly subscriptions: Readonly<Record<string, readonly string[]>>;
}

export interface InsertGuard {
  /** Version of the URL's registrations when read; undefined when there were none. */
  readonly urlVersion: number | undefined;
  readonly maxEndpoints: number;
}

export interface ReplaceGuard {
  /** Versions of the registrations of every URL the change touches (old and new). */
  readonly urlVersions: ReadonlyMap<string, number | undefined>;
  /** Forget the endpoint's health (it is re-enabled); otherwise the write leaves health as it is. */
  readonly resetHealth?: boolean;
}

export interface WebhookStore {
  get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined>;
  list(tenantId: string): Promise<WebhookEndpoint[]>;
  urlRegistrations(tenantId: string, url: string): Promise<UrlRegistrations | undefined>;
  insert(endpoint: WebhookEndpoint, guard: InsertGuard): Promise<void>;
  /** Writes `after` if the stored endpoint is still at `before.version`. */
  replace(before: WebhookEndpoint, after: WebhookEndpoint, guard: ReplaceGuard): Promise<void>;
  remove(endpoint: WebhookEndpoint): Promise<void>;
}
