import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { EndpointDisabler } from "../core/delivery/ports";
import type { PayloadFilter } from "../core/payload-filter";
import {
  type DisabledReason,
  type EndpointHealth,
  HEALTHY,
  type WebhookEndpoint,
} from "../core/webhook-endpoint";
import { HTTP_METHODS, type HttpMethod } from "../core/webhook-request";
import {
  EndpointGoneError,
  EndpointLimitReachedError,
  SlugTakenError,
  StaleWriteError,
} from "../core/errors";
import {
  type InsertGuard,
  type ReplaceGuard,
  type UrlRegistrations,
  type WebhookStore,
} from "../core/webhook-store";
import { HEALTH_NAMES, toHealth } from "./dynamodb-endpoint-health-store";
import { writtenIf } from "./dynamodb-items";
import { keys, withoutKeys } from "./table-keys";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** One write of a transaction, and the domain error its failed condition means. */
interface GuardedWrite {
  readonly item: TransactItem;
  readonly onConditionFailed: () => Error;
}

const stale = () => new StaleWriteError();

/**
 * Webhook endpoints in DynamoDB. Next to each endpoint the tenant's partition
 * holds marker items written in the same transaction: SLUG#<slug> (slug
 * uniqueness), URL#<hash> (which endpoints use a URL, for the duplicate
 * url+event rule) and TENANT (the endpoint count, for the per-tenant limit).
 *
 * An endpoint's health is an item of its own beside it (WEBHOOK#<id>#HEALTH),
 * read by the same query as the endpoint (get and list answer it with the
 * endpoint) and written by the delivery worker through the health store
 * (./dynamodb-endpoint-health-store.ts): a tenant's versioned write of the
 * endpoint never overwrites a failure count, and a failure never makes a
 * tenant's write stale. Re-enabling resets it and delete removes it.
 */
export interface WebhookStoreOptions {
  /**
   * How `list` reads: "strong" (the API's, which must see its own writes) or "eventual", half
   * the read units, for the fan-out: an endpoint created or changed in the last second may be
   * read as it was (a new one misses an event sent in that second).
   */
  readonly listConsistency?: "strong" | "eventual";
}

export class DynamoDbWebhookStore implements WebhookStore, EndpointDisabler {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: WebhookStoreOptions = {},
  ) {}

  async get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    // The endpoint and its health share the key prefix: one query reads both, for one read unit.
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: {
          ":pk": keys.tenantPartition(tenantId),
          ":prefix": keys.webhook(tenantId, id).sk,
        },
        ConsistentRead: true,
      }),
    );
    return withHealth(Items)[0];
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    const endpoints: WebhookEndpoint[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.tenantPartition(tenantId), ":prefix": keys.webhookPrefix },
        ConsistentRead: this.options.listConsistency !== "eventual",
      },
    );
    const items: Record<string, unknown>[] = [];
    for await (const page of pages) items.push(...(page.Items ?? []));
    endpoints.push(...withHealth(items));
    return endpoints;
  }

  async disable(tenantId: string, id: string, reason: DisabledReason, at: string): Promise<boolean> {
    return writtenIf(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhook(tenantId, id),
          UpdateExpression:
            "SET is_active = :false, disabled_reason = :reason, disabled_at = :at, updated_at = :at, version = version + :one",
          ConditionExpression: "is_active = :true",
          ExpressionAttributeValues: {
            ":false": false,
            ":true": true,
            ":reason": reason,
            ":at": at,
            ":one": 1,
          },
        }),
      ),
    );
  }

  async urlRegistrations(tenantId: string, url: string): Promise<UrlRegistrations | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.url(tenantId, url), ConsistentRead: true }),
    );
    return Item ? { version: Item.version as number, subscriptions: Item.subscriptions ?? {} } : undefined;
  }

  async insert(endpoint: WebhookEndpoint, guard: InsertGuard): Promise<void> {
    const tenant = endpoint.tenant_id;
    await this.transact([
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...keys.webhook(tenant, endpoint.id), ...endpointItem(endpoint) },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        onConditionFailed: stale,
      },
      this.claimSlug(endpoint),
      this.setRegistration(endpoint, guard.urlVersion),
      {
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.tenant(tenant),
            UpdateExpression: "ADD endpoint_count :one",
            ConditionExpression: "attribute_not_exists(endpoint_count) OR endpoint_count < :max",
            ExpressionAttributeValues: { ":one": 1, ":max": guard.maxEndpoints },
          },
        },
        onConditionFailed: () => new EndpointLimitReachedError(),
      },
    ]);
  }

  async replace(before: WebhookEndpoint, after: WebhookEndpoint, guard: ReplaceGuard): Promise<void> {
    const writes: GuardedWrite[] = [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...keys.webhook(after.tenant_id, after.id), ...endpointItem(after) },
            ConditionExpression: "version = :version",
            ExpressionAttributeValues: { ":version": before.version },
          },
        },
        onConditionFailed: stale,
      },
    ];
    if (guard.resetHealth) writes.push(this.resetHealth(after));
    if (after.slug !== before.slug) writes.push(this.releaseSlug(before), this.claimSlug(after));
    if (after.url !== before.url) {
      writes.push(
        this.dropRegistration(before, guard.urlVersions.get(before.url)),
        this.setRegistration(after, guard.urlVersions.get(after.url)),
      );
    } else if (guard.urlVersions.has(after.url)) {
      writes.push(this.setRegistration(after, guard.urlVersions.get(after.url)));
    }
    await this.transact(writes);
  }

  async remove(endpoint: WebhookEndpoint): Promise<void> {
    const tenant = endpoint.tenant_id;
    await this.transact([
      {
        item: {
          Delete: {
            TableName: this.tableName,
            Key: keys.webhook(tenant, endpoint.id),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
        onConditionFailed: () => new EndpointGoneError(),
      },
      this.releaseSlug(endpoint),
      this.dropRegistration(endpoint, undefined),
      this.dropHealth(endpoint),
      {
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.tenant(tenant),
            UpdateExpression: "ADD endpoint_count :minusOne",
            ExpressionAttributeValues: { ":minusOne": -1 },
          },
        },
        onConditionFailed: stale,
      },
    ]);
  }

  /**
   * Healthy again, with no failures and no probes; where its last breaker's parked deliveries
   * start is kept, so a probe or drain of that breaker still finds them.
   */
  private resetHealth(endpoint: WebhookEndpoint): GuardedWrite {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.health(endpoint.tenant_id, endpoint.id),
          UpdateExpression:
            "SET #state = :healthy, consecutive_failures = :zero, probes = :zero, next_probe_at = :null REMOVE since",
          ExpressionAttributeNames: HEALTH_NAMES,
          ExpressionAttributeValues: { ":healthy": "healthy", ":zero": 0, ":null": null },
        },
      },
      onConditionFailed: stale,
    };
  }

  private dropHealth(endpoint: WebhookEndpoint): GuardedWrite {
    return {
      item: { Delete: { TableName: this.tableName, Key: keys.health(endpoint.tenant_id, endpoint.id) } },
      onConditionFailed: stale,
    };
  }

  private claimSlug(endpoint: WebhookEndpoint): GuardedWrite {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.slug(endpoint.tenant_id, endpoint.slug), webhook_id: endpoint.id },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      onConditionFailed: () => new SlugTakenError(),
    };
  }

  private releaseSlug(endpoint: WebhookEndpoint): GuardedWrite {
    return {
      item: {
        Delete: {
          TableName: this.tableName,
          Key: keys.slug(endpoint.tenant_id, endpoint.slug),
          ConditionExpression: "webhook_id = :id",
          ExpressionAttributeValues: { ":id": endpoint.id },
        },
      },
      onConditionFailed: stale,
    };
  }

  /** Records the endpoint's events under its URL, if the registrations are still at `version`. */
  private setRegistration(endpoint: WebhookEndpoint, version: number | undefined): GuardedWrite {
    const first = version === undefined;
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.url(endpoint.tenant_id, endpoint.url),
          UpdateExpression: first
            ? "SET #url = :url, subscriptions = :subscriptions, version = :one"
            : "SET subscriptions.#id = :events, version = version + :one",
          ConditionExpression: first ? "attribute_not_exists(pk)" : "version = :version",
          ExpressionAttributeNames: first ? { "#url": "url" } : { "#id": endpoint.id },
          ExpressionAttributeValues: first
            ? { ":url": endpoint.url, ":subscriptions": { [endpoint.id]: endpoint.events }, ":one": 1 }
            : { ":events": endpoint.events, ":one": 1, ":version": version },
        },
      },
      onConditionFailed: stale,
    };
  }

  /** Removes the endpoint from its URL's registrations; bumping the version fails racing writers. */
  private dropRegistration(endpoint: WebhookEndpoint, version: number | undefined): GuardedWrite {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.url(endpoint.tenant_id, endpoint.url),
          UpdateExpression: "REMOVE subscriptions.#id SET version = version + :one",
          ConditionExpression: version === undefined ? "attribute_exists(pk)" : "version = :version",
          ExpressionAttributeNames: { "#id": endpoint.id },
          ExpressionAttributeValues:
            version === undefined ? { ":one": 1 } : { ":one": 1, ":version": version },
        },
      },
      onConditionFailed: stale,
    };
  }

  private async transact(writes: readonly GuardedWrite[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: writes.map((w) => w.item) }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.findIndex((r) => r.Code === "ConditionalCheckFailed");
      // TransactionConflict: another transaction held one of the items; the caller re-reads and retries.
      if (failed < 0) throw new StaleWriteError("transaction conflict", { cause: error });
      throw writes[failed]?.onConditionFailed() ?? new StaleWriteError();
    }
  }
}

/**
 * The stored endpoint: everything but its health, which lives in an item of its own. The filter
 * is kept as JSON text, as event data is: DynamoDB's number type would refuse some of its
 * allowed values (past 2^53, below 1e-130) or read them back as BigInt, equal to no number.
 */
function endpointItem({ health: _health, filter, ...endpoint }: WebhookEndpoint): Record<string, unknown> {
  return { ...endpoint, ...(filter === null ? {} : { filter_json: JSON.stringify(filter) }) };
}

/** Endpoints from the items of a query over WEBHOOK#, each with its health item (healthy when it has none). */
function withHealth(items: readonly Record<string, unknown>[]): WebhookEndpoint[] {
  const health = new Map<string, EndpointHealth>();
  const endpoints: Record<string, unknown>[] = [];
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.endsWith(keys.healthSuffix)) health.set(sk.slice(0, -keys.healthSuffix.length), toHealth(item));
    else endpoints.push(item);
  }
  // A health item with no endpoint (a failure counted as the endpoint was deleted) is ignored.
  return endpoints.map((item) => {
    const { filter_json, ...endpoint } = withoutKeys(item);
    return {
      ...(endpoint as unknown as Omit<WebhookEndpoint, "health" | "http_method" | "filter">),
      // Endpoints stored before these fields existed are sent with POST, unfiltered.
      http_method: toHttpMethod(item.http_method),
      filter: typeof filter_json === "string" ? (JSON.parse(filter_json) as PayloadFilter) : null,
      health: health.get(String(item.sk)) ?? HEALTHY,
    };
  });
}

function toHttpMethod(stored: unknown): HttpMethod {
  return HTTP_METHODS.find((method) => method === stored) ?? "POST";
}
