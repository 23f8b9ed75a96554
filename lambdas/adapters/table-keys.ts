/**
 * @module The single-table layout: every item has `pk` and `sk`; a tenant's data lives
 * in its own partition, so isolation is a property of the key, not of a filter.
 */
import { sha256Hex } from "../core/signing";

export const TABLE_KEY = { partition: "pk", sort: "sk", ttl: "expires_at" } as const;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

const tenant = (tenantId: string) => `TENANT#${tenantId}`;

/**
 * The partitions outside tenants' data, by the start of their key: what the operators' API and the
 * authorizer may touch (the stack grants them these leading keys and no other).
 */
export const PARTITION_PREFIX = {
  /** A key's lookup item, found from the key's hash. */
  apiKey: "APIKEY#",
  /** A tenant's keys, listed for the operator. */
  tenantKeys: "TENANTKEYS#",
  /** The operator's event-type catalog: one partition. */
  catalog: "CATALOG",
} as const;

export const keys = {
  apiKey: (keyHash: string): ItemKey => ({ pk: `${PARTITION_PREFIX.apiKey}${keyHash}`, sk: "APIKEY" }),
  tenantKey: (tenantId: string, keyId: string): ItemKey => ({
    pk: `${PARTITION_PREFIX.tenantKeys}${tenantId}`,
    sk: `KEY#${keyId}`,
  }),
  tenantKeysPartition: (tenantId: string) => `${PARTITION_PREFIX.tenantKeys}${tenantId}`,
  eventType: (type: string): ItemKey => ({ pk: PARTITION_PREFIX.catalog, sk: `TYPE#${type}` }),
  catalogPartition: PARTITION_PREFIX.catalog,
  tenant: (tenantId: string): ItemKey => ({ pk: tenant(tenantId), sk: "TENANT" }),
  webhook: (tenantId: string, id: string): ItemKey => ({ pk: tenant(tenantId), sk: `WEBHOOK#${id}` }),
  webhookPrefix: "WEBHOOK#",
  // Beside its endpoint, under the same prefix: the query that lists endpoints reads their health too.
  health: (tenantId: string, id: string): ItemKey => ({ pk: tenant(tenantId), sk: `WEBHOOK#${id}#HEALTH` }),
  healthSuffix: "#HEALTH",
  slug: (tenantId: string, slug: string): ItemKey => ({ pk: tenant(tenantId), sk: `SLUG#${slug}` }),
  // Hashed so that any URL, however long, fits a sort key.
  url: (tenantId: string, url: string): ItemKey => ({ pk: tenant(tenantId), sk: `URL#${sha256Hex(url)}` }),
  tenantPartition: tenant,
  // Events and deliveries get partitions of their own, so a busy tenant is not one hot partition.
  event: (tenantId: string, eventId: string): ItemKey => ({
    pk: `EVENT#${tenantId}#${eventId}`,
    sk: "EVENT",
  }),
  delivery: (webhookId: string, deliveryId: string): ItemKey => ({
    pk: `WEBHOOK#${webhookId}`,
    sk: `DELIVERY#${deliveryId}`,
  }),
};

/** Drops the key attributes of a stored item. */
export function withoutKeys<T extends Record<string, unknown>>(item: T): Omit<T, "pk" | "sk"> {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest;
}
