/** @module The read-only use cases of the management API: one endpoint, and the paged list. */
import { NotFoundError } from "./errors";
import { parseInput } from "./validation";
import {
  listWebhooksQuerySchema,
  toView,
  type WebhookEndpoint,
  type WebhookEndpointView,
  webhookIdSchema,
} from "./webhook-endpoint";
import type { WebhookStore } from "./webhook-store";

export interface Page<T> {
  readonly items: readonly T[];
  readonly pagination: { page: number; limit: number; total: number; pages: number };
}

/** The tenant's endpoint, or 404: an id of another tenant, or not a UUID at all, is simply not found. */
export async function findEndpoint(
  store: WebhookStore,
  tenantId: string,
  rawId: string,
): Promise<WebhookEndpoint> {
  const notFound = () => new NotFoundError(`no webhook endpoint ${rawId}`);
  if (!webhookIdSchema.safeParse(rawId).success) throw notFound();
  const endpoint = await store.get(tenantId, rawId);
  if (!endpoint) throw notFound();
  return endpoint;
}

export function webhookQueries(store: WebhookStore) {
  return {
    async get(tenantId: string, id: string): Promise<WebhookEndpointView> {
      return toView(await findEndpoint(store, tenantId, id));
    },

    /** Newest first. A tenant has at most a few dozen endpoints, so one query and an in-memory page. */
    async list(tenantId: string, query: unknown): Promise<Page<WebhookEndpointView>> {
      const { page, limit, active } = parseInput(listWebhooksQuerySchema, query, "query");
      const all = (await store.list(tenantId))
        .filter((e) => active === undefined || e.is_active === active)
        .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
      const items = all.slice((page - 1) * limit, page * limit).map(toView);
      return { items, pagination: { page, limit, total: all.length, pages: Math.ceil(all.length / limit) } };
    },
  };
}
