import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { logger, metrics } from "../wiring/clients";
import { eventDelivery } from "../wiring/delivery";

/**
 * The delivery Lambda, on the events queue and (as a second function) on the
 * slow lane's queue: a record is worked by the lane of the queue it came from.
 * Every message of the batch is worked at once; a message that hit a fault is
 * reported as a batch item failure and comes back.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger(), { resetKeys: true }))
  .use(logMetrics(metrics()))
  .handler(async (event) => {
    const results = await Promise.all(
      event.Records.map(async (record) => {
        try {
          return await eventDelivery(record.eventSourceARN).handleMessage(record.body, record.messageId);
        } catch (error) {
          logger().error("message failed; it will come back", {
            message_id: record.messageId,
            error: error as Error,
          });
          return "retry_later" as const;
        }
      }),
    );
    return {
      batchItemFailures: event.Records.filter((_, i) => results[i] === "retry_later").map((r) => ({
        itemIdentifier: r.messageId,
      })),
    };
  });
