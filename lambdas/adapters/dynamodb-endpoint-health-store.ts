import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { BreakerClosing, BreakerOpening, EndpointHealthStore } from "../core/delivery/ports";
import type { EndpointHealth, HealthState, WebhookEndpoint } from "../core/webhook-endpoint";
import { keys } from "./table-keys";

/** Health attribute names and the values conditions compare them with. */
export const HEALTH_NAMES = { "#state": "health_state" } as const;
const IS_OPEN = "#state = :open AND opened_at = :opened";
/** Not open, or open but no longer probing (its last probe failed): such a breaker parks nothing. */
const NOT_PARKING =
  "attribute_not_exists(#state) OR #state <> :open OR attribute_type(next_probe_at, :nullType)";

/**
 * Endpoint health in DynamoDB (docs/delivery.md): one item beside each endpoint
 * (WEBHOOK#<id>#HEALTH), which the webhook store reads with it. Every change is
 * one conditional UpdateItem of that item alone: the failure count is an ADD, so
 * concurrent workers lose none, and breaker moves name the breaker they act on.
 * No transaction touches it on the delivery path, so a busy endpoint's workers
 * never contend for it.
 */
export class DynamoDbEndpointHealthStore implements EndpointHealthStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordFailure(endpoint: WebhookEndpoint, at: string): Promise<EndpointHealth> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        ...this.healthKey(endpoint),
        // An increment, not a write of a count read before: concurrent failures each add one.
        UpdateExpression: "ADD consecutive_failures :one SET last_failure_at = :at",
        ExpressionAttributeValues: { ":one": 1, ":at": at },
        ReturnValues: "ALL_NEW",
      }),
    );
    return toHealth(Attributes ?? {});
  }

  async markSlow(endpoint: WebhookEndpoint, at: string): Promise<void> {
    await this.updateHealth(endpoint, {
      UpdateExpression: "SET #state = :slow, since = :at",
      ConditionExpression: "attribute_not_exists(#state) OR #state = :healthy",
      ExpressionAttributeValues: { ":slow": "slow", ":healthy": "healthy", ":at": at },
    });
  }

  async recordSuccess(
    endpoint: WebhookEndpoint,
    state: Exclude<HealthState, "open">,
    at: string,
  ): Promise<void> {
    await this.updateHealth(endpoint, {
      UpdateExpression: "SET consecutive_failures = :zero, #state = :state, since = :since",
      ConditionExpression: NOT_PARKING,
      ExpressionAttributeValues: {
        ":zero": 0,
        ":state": state,
        ":since": endpoint.health.state === state ? endpoint.health.since : at,
        ":open": "open",
        ":nullType": "NULL",
      },
    });
  }

  async openBreaker(endpoint: WebhookEndpoint, opening: BreakerOpening): Promise<boolean> {
    return (
      (await this.updateHealth(endpoint, {
        UpdateExpression:
          "SET #state = :open, since = :at, opened_at = :at, probes = :zero, next_probe_at = :next, " +
          // An unfinished drain's start is older, and still parked deliveries are there.
          "parked_from = if_not_exists(parked_from, :from)",
        ConditionExpression: NOT_PARKING,
        ExpressionAttributeValues: {
          ":open": "open",
          ":nullType": "NULL",
          ":at": opening.openedAt,
          ":zero": 0,
          ":next": opening.nextProbeAt,
          ":from": opening.parkedFrom,
        },
      })) !== undefined
    );
  }

  async recordFailedProbe(
    endpoint: WebhookEndpoint,
    openedAt: string,
    probe: number,
    nextProbeAt: string | null,
  ): Promise<EndpointHealth | undefined> {
    return this.updateHealth(endpoint, {
      UpdateExpression: "SET probes = :probe, next_probe_at = :next ADD consecutive_failures :one",
      ConditionExpression: `${IS_OPEN} AND probes = :previous`,
      ExpressionAttributeValues: {
        ":open": "open",
        ":opened": openedAt,
        ":probe": probe,
        ":previous": probe - 1,
        ":next": nextProbeAt,
        ":one": 1,
      },
    });
  }

  async moveParkedFromBack(
    endpoint: WebhookEndpoint,
    openedAt: string,
    deliveryId: string,
  ): Promise<boolean> {
    const moved = await this.updateHealth(endpoint, {
      UpdateExpression: "SET parked_from = :id",
      ConditionExpression: `${IS_OPEN} AND attribute_type(next_probe_at, :string) AND (attribute_not_exists(parked_from) OR parked_from > :id)`,
      ExpressionAttributeValues: { ":open": "open", ":opened": openedAt, ":string": "S", ":id": deliveryId },
    });
    return moved !== undefined;
  }

  async stopParking(endpoint: WebhookEndpoint, openedAt: string): Promise<EndpointHealth | undefined> {
    return this.updateHealth(endpoint, {
      UpdateExpression: "SET next_probe_at = :null",
      ConditionExpression: IS_OPEN,
      ExpressionAttributeValues: { ":open": "open", ":opened": openedAt, ":null": null },
    });
  }

  async closeBreaker(
    endpoint: WebhookEndpoint,
    openedAt: string,
    closing: BreakerClosing,
  ): Promise<EndpointHealth | undefined> {
    return this.updateHealth(endpoint, {
      UpdateExpression:
        "SET #state = :state, since = :at, consecutive_failures = :failures, probes = :zero, next_probe_at = :null",
      ConditionExpression: IS_OPEN,
      ExpressionAttributeValues: {
        ":open": "open",
        ":opened": openedAt,
        ":state": closing.state,
        ":at": closing.at,
        ":failures": closing.consecutiveFailures,
        ":zero": 0,
        ":null": null,
      },
    });
  }

  async finishDrain(endpoint: WebhookEndpoint): Promise<void> {
    await this.updateHealth(endpoint, {
      UpdateExpression: "REMOVE parked_from",
      ConditionExpression: `attribute_exists(pk) AND (${NOT_PARKING})`,
      ExpressionAttributeValues: { ":open": "open", ":nullType": "NULL" },
    });
  }

  private healthKey(endpoint: WebhookEndpoint) {
    return { TableName: this.tableName, Key: keys.health(endpoint.tenant_id, endpoint.id) };
  }

  /** A conditional write of the health item: the health after it, or undefined when its condition failed. */
  private async updateHealth(
    endpoint: WebhookEndpoint,
    update: Pick<
      UpdateCommandInput,
      "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeValues"
    >,
  ): Promise<EndpointHealth | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          ...this.healthKey(endpoint),
          ...update,
          ExpressionAttributeNames: HEALTH_NAMES,
          ReturnValues: "ALL_NEW",
        }),
      );
      return toHealth(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

/** The stored health item as the domain's health; a missing attribute is its default. */
export function toHealth(item: Record<string, unknown>): EndpointHealth {
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  const count = (value: unknown) => (typeof value === "number" ? value : 0);
  const state = item.health_state;
  return {
    state: state === "slow" || state === "open" ? state : "healthy",
    since: text(item.since),
    consecutive_failures: count(item.consecutive_failures),
    next_probe_at: text(item.next_probe_at),
    opened_at: text(item.opened_at),
    probes: count(item.probes),
    parked_from: text(item.parked_from),
  };
}
