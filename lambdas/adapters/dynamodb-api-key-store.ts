/**
 * @module API keys in DynamoDB: two items per key, written and deleted
 * together in one transaction. The lookup item (APIKEY#<hash>) is what the
 * authorizer reads; the tenant's list item (TENANTKEYS#<tenant>, KEY#<key_id>)
 * is what the operator lists, and holds when the key was last used. Portal
 * sessions are stored the same way, with `kind` telling them apart.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type ApiKeyRecord, type ApiKeyStore, CREDENTIAL_KINDS, type CredentialKind } from "../core/api-keys";
import { optionalChoice, optionalText, requiredText, type StoredItem, writtenIf } from "./dynamodb-items";
import { keys, TABLE_KEY } from "./table-keys";

type Item = StoredItem;

const WHAT = "API key item";
const text = (item: Item, name: string): string => requiredText(item, name, WHAT);
// Keys stored before sessions existed have no kind.
const kind = (item: Item): CredentialKind =>
  optionalChoice(item, "kind", CREDENTIAL_KINDS, WHAT) ?? "api_key";

/** The stored attributes of a key. `key_expires_at`, because `expires_at` is the table's TTL attribute. */
function toRecord(item: Item): ApiKeyRecord {
  return {
    key_hash: text(item, "key_hash"),
    tenant_id: text(item, "tenant_id"),
    kind: kind(item),
    key_id: text(item, "key_id"),
    name: optionalText(item, "name"),
    created_at: text(item, "created_at"),
    expires_at: optionalText(item, "key_expires_at"),
    last_used_at: optionalText(item, "last_used_at"),
  };
}

function toItem(record: ApiKeyRecord): Item {
  return {
    key_hash: record.key_hash,
    tenant_id: record.tenant_id,
    kind: record.kind,
    key_id: record.key_id,
    name: record.name,
    created_at: record.created_at,
    key_expires_at: record.expires_at,
    ...removedAfterExpiry(record),
  };
}

/**
 * An expired session is of no use to anyone and is never listed, so the table's TTL may remove
 * it (within days; until then the authorizer refuses it by `key_expires_at`). A key is kept: the
 * operator still lists it once expired.
 */
function removedAfterExpiry(record: ApiKeyRecord): Item {
  if (record.kind !== "portal_session" || record.expires_at === null) return {};
  return { [TABLE_KEY.ttl]: Math.ceil(new Date(record.expires_at).getTime() / 1000) };
}

export class DynamoDbApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.apiKey(keyHash) }),
    );
    // The lookup item carries no last use: that is kept on the list item alone.
    return Item ? { ...toRecord({ ...Item, key_hash: keyHash }), last_used_at: null } : undefined;
  }

  async save(record: ApiKeyRecord): Promise<void> {
    const item = toItem(record);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.apiKey(record.key_hash), ...item },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.tenantKey(record.tenant_id, record.key_id), ...item },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
  }

  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.tenantKeysPartition(tenantId) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) records.push(...(page.Items ?? []).map(toRecord));
    return records;
  }

  async revoke(tenantId: string, keyId: string, expected: CredentialKind): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.tenantKey(tenantId, keyId),
        ConsistentRead: true,
      }),
    );
    // The kind of an item never changes, so what this read says holds for the delete below.
    if (!Item || kind(Item) !== expected) return false;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.tenantKey(tenantId, keyId),
                ConditionExpression: "attribute_exists(pk)",
              },
            },
            { Delete: { TableName: this.tableName, Key: keys.apiKey(text(Item, "key_hash")) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      // Revoked by a concurrent request in between: not this request's to report.
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  async recordUse(record: ApiKeyRecord, at: string, notBefore: string): Promise<void> {
    // A failed condition is a use already recorded this minute, or a revoked key: nothing to do.
    await writtenIf(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenantKey(record.tenant_id, record.key_id),
          UpdateExpression: "SET last_used_at = :at",
          // Never recreates a revoked key's item; a use already recorded this minute is kept.
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :notBefore)",
          ExpressionAttributeValues: { ":at": at, ":notBefore": notBefore },
        }),
      ),
    );
  }
}
