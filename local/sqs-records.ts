/**
 * @module SQS messages as Lambda's SQS event source hands them to a function: converted from
 * what ReceiveMessage answered (the local run's pollers), or made for a body (the tests and the
 * bench, which invoke the worker directly). One shape for all three.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import type {
  SQSEvent,
  SQSMessageAttribute,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from "aws-lambda";

/** Where the records come from, as Lambda stamps it on every record. */
export interface SqsRecordSource {
  readonly queueArn: string;
  readonly awsRegion: string;
}

/** Lambda's SQS event carries these system attributes on every record; without them the event is not Lambda's. */
const requiredSystemAttributes = [
  "ApproximateReceiveCount",
  "SentTimestamp",
  "SenderId",
  "ApproximateFirstReceiveTimestamp",
] as const;

export class SqsRecordConversionError extends Error {
  constructor(messageId: string | undefined, reason: string) {
    super(`Cannot turn SQS message ${messageId ?? "(no id)"} into a Lambda record: ${reason}`);
    this.name = "SqsRecordConversionError";
  }
}

/** The region and name in a queue ARN (`arn:aws:sqs:<region>:<account>:<name>`); Lambda reports the region. */
export function parseQueueArn(queueArn: string): { region: string; queueName: string } {
  const [prefix, , service, region, accountId, queueName] = queueArn.split(":");
  if (prefix !== "arn" || service !== "sqs" || !region || !accountId || !queueName) {
    throw new Error(`Not an SQS queue ARN: ${queueArn}`);
  }
  return { region, queueName };
}

/** Converts a message from the SDK's ReceiveMessage into the record Lambda's SQS event source hands a function. */
export function toSqsRecord(message: Message, source: SqsRecordSource): SQSRecord {
  const { MessageId: messageId, ReceiptHandle: receiptHandle, Body: body, MD5OfBody: md5OfBody } = message;
  if (!messageId || !receiptHandle || body === undefined || !md5OfBody) {
    throw new SqsRecordConversionError(messageId, "MessageId, ReceiptHandle, Body or MD5OfBody is missing");
  }
  return {
    messageId,
    receiptHandle,
    body,
    attributes: toRecordAttributes(message),
    messageAttributes: toRecordMessageAttributes(message.MessageAttributes),
    ...(message.MD5OfMessageAttributes && { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    md5OfBody,
    ...recordSource(source),
  };
}

function recordSource(source: SqsRecordSource) {
  return { eventSource: "aws:sqs", eventSourceARN: source.queueArn, awsRegion: source.awsRegion } as const;
}

/** A record for `body` as if just received for the first time from `source`'s queue. */
export function sqsRecord(
  body: string,
  source: SqsRecordSource,
  messageId: string = randomUUID(),
): SQSRecord {
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: now,
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: createHash("md5").update(body).digest("hex"),
    ...recordSource(source),
  };
}

/** A batch of records for `bodies`, as one invocation of the worker gets it. */
export function sqsEvent(bodies: readonly string[], source: SqsRecordSource): SQSEvent {
  return { Records: bodies.map((body) => sqsRecord(body, source)) };
}

function toRecordAttributes(message: Message): SQSRecordAttributes {
  const attributes: Record<string, string> = { ...message.Attributes };
  const missing = requiredSystemAttributes.filter((name) => attributes[name] === undefined);
  if (missing.length > 0) {
    throw new SqsRecordConversionError(
      message.MessageId,
      `system attributes ${missing.join(", ")} are missing (receive with MessageSystemAttributeNames ["All"])`,
    );
  }
  return attributes as unknown as SQSRecordAttributes;
}

function toRecordMessageAttributes(attributes: Message["MessageAttributes"]): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    converted[name] = toRecordMessageAttribute(value);
  }
  return converted;
}

/** Lambda spells attribute fields in camelCase, gives binary values as base64 and always includes both list fields. */
function toRecordMessageAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    ...(value.BinaryValue !== undefined && { binaryValue: toBase64(value.BinaryValue) }),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(toBase64),
    dataType: value.DataType ?? "String",
  };
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}
