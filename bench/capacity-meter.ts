/**
 * @module Counters on the production AWS clients, for bench/capacity.ts: a
 * middleware on the DynamoDB document client asks every call that can answer it
 * for `ReturnConsumedCapacity: "TOTAL"` and sums the units DynamoDB (Local)
 * reports; one on the SQS client counts requests by command, as SQS bills them
 * (a request per 64 KB chunk of the messages sent). Neither knows anything about
 * the stores: they count whatever the production adapters send.
 */
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { sqsBilledRequests } from "./prices";

/** The DynamoDB API's operations with a ReturnConsumedCapacity parameter. */
const ANSWERS_CAPACITY = new Set([
  "GetItemCommand",
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "BatchWriteItemCommand",
  "TransactGetItemsCommand",
  "TransactWriteItemsCommand",
  "ExecuteStatementCommand",
  "BatchExecuteStatementCommand",
  "ExecuteTransactionCommand",
]);

/** Reads, when an answer gives CapacityUnits alone (TOTAL does): everything else above writes. */
const READS = new Set([
  "GetItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "TransactGetItemsCommand",
]);

const commandOf = (name: string | undefined) => (name ?? "unknown").replace(/Command$/, "");

export interface DynamoDbCounts {
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Calls by operation (e.g. Query: 20), answered or not. */
  readonly calls: Readonly<Record<string, number>>;
  /** Calls that failed (a failed condition, say): DynamoDB bills them, but an error carries no ConsumedCapacity. */
  readonly failed: Readonly<Record<string, number>>;
}

export interface Meter<T> {
  /** Zero from now on. */
  reset(): void;
  /** What was counted since the last reset. */
  read(): T;
}

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Adds the capacity middleware to `client` (for good: a bench process builds one client and keeps it). */
export function meterDynamoDb(client: DynamoDBDocumentClient): Meter<DynamoDbCounts> {
  let units = { read: 0, write: 0 };
  let calls: Record<string, number> = {};
  let failed: Record<string, number> = {};
  const add = (command: string, answered: ConsumedCapacity | ConsumedCapacity[] | undefined) => {
    // TransactWriteItems and BatchWriteItem answer one entry per table; the others one object.
    for (const c of Array.isArray(answered) ? answered : answered ? [answered] : []) {
      if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
        units.read += c.ReadCapacityUnits ?? 0;
        units.write += c.WriteCapacityUnits ?? 0;
      } else if (READS.has(command)) units.read += c.CapacityUnits ?? 0;
      else units.write += c.CapacityUnits ?? 0;
    }
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "unknown";
      bump(calls, commandOf(command));
      const input = ANSWERS_CAPACITY.has(command)
        ? ({ ...args.input, ReturnConsumedCapacity: "TOTAL" } as typeof args.input)
        : args.input;
      try {
        const result = await next({ ...args, input });
        add(
          command,
          (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity,
        );
        return result;
      } catch (error) {
        bump(failed, commandOf(command));
        throw error;
      }
    },
    { step: "initialize", name: "benchConsumedCapacity" },
  );
  return {
    reset() {
      units = { read: 0, write: 0 };
      calls = {};
      failed = {};
    },
    read: () => ({
      readUnits: units.read,
      writeUnits: units.write,
      calls: { ...calls },
      failed: { ...failed },
    }),
  };
}

/**
 * SQS requests by operation and queue ("SendMessage to hookline-slow-lane": 3), as billed:
 * SendMessage and SendMessageBatch count one per 64 KB chunk.
 */
export function meterSqs(client: SQSClient): Meter<Record<string, number>> {
  let requests: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        QueueUrl?: string;
        MessageBody?: string;
        Entries?: { MessageBody?: string }[];
      };
      const bodies = input.Entries?.map((e) => e.MessageBody ?? "") ?? [input.MessageBody ?? ""];
      const bytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
      const command = commandOf(context.commandName);
      const queue = input.QueueUrl?.split("/").pop();
      const key = queue ? `${command} to ${queue}` : command;
      bump(requests, key, command.startsWith("SendMessage") ? sqsBilledRequests(bytes) : 1);
      return next(args);
    },
    { step: "initialize", name: "benchSqsRequests" },
  );
  return {
    reset() {
      requests = {};
    },
    read: () => ({ ...requests }),
  };
}
