/**
 * @module The operator's event-type catalog in DynamoDB: one partition
 * (CATALOG), one item per type. The schema and the example are stored as JSON
 * text, so any JSON survives the trip (DynamoDB maps nest at most 32 levels
 * and refuse empty keys in older SDKs).
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { EventTypeStore } from "../core/catalog/catalog";
import type { EventTypeDefinition } from "../core/catalog/event-type";
import { requiredText, type StoredItem } from "./dynamodb-items";
import { keys } from "./table-keys";

type Item = StoredItem;

const text = (item: Item, name: string): string =>
  requiredText(item, name, `event type ${String(item.type)}`);

function toDefinition(item: Item): EventTypeDefinition {
  const schema =
    typeof item.schema_json === "string" ? (JSON.parse(item.schema_json) as Record<string, unknown>) : null;
  return {
    type: text(item, "type"),
    description: text(item, "description"),
    schema,
    example: typeof item.example_json === "string" ? (JSON.parse(item.example_json) as unknown) : undefined,
    deprecated: item.deprecated === true,
    created_at: text(item, "created_at"),
    updated_at: text(item, "updated_at"),
  };
}

export class DynamoDbEventTypeStore implements EventTypeStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<EventTypeDefinition[]> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.catalogPartition },
      },
    );
    const types: EventTypeDefinition[] = [];
    for await (const page of pages) types.push(...(page.Items ?? []).map(toDefinition));
    return types;
  }

  async get(type: string): Promise<EventTypeDefinition | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.eventType(type), ConsistentRead: true }),
    );
    return Item ? toDefinition(Item) : undefined;
  }

  async put(definition: EventTypeDefinition): Promise<{ created: boolean; created_at: string }> {
    const set = [
      "#type = :type",
      "description = :description",
      "deprecated = :deprecated",
      "updated_at = :updated_at",
      "created_at = if_not_exists(created_at, :created_at)",
    ];
    const remove: string[] = [];
    const values: Item = {
      ":type": definition.type,
      ":description": definition.description,
      ":deprecated": definition.deprecated,
      ":updated_at": definition.updated_at,
      ":created_at": definition.created_at,
    };
    const json = (attribute: string, value: unknown) => {
      if (value === undefined) return remove.push(attribute);
      values[`:${attribute}`] = JSON.stringify(value);
      return set.push(`${attribute} = :${attribute}`);
    };
    // A null schema is no schema; a null example is an example (JSON null), as the port keeps it.
    json("schema_json", definition.schema ?? undefined);
    json("example_json", definition.example);
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.eventType(definition.type),
        UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_OLD",
      }),
    );
    const before = Attributes?.created_at;
    return typeof before === "string"
      ? { created: false, created_at: before }
      : { created: true, created_at: definition.created_at };
  }

  async remove(type: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.eventType(type), ReturnValues: "ALL_OLD" }),
    );
    return Attributes !== undefined;
  }
}
