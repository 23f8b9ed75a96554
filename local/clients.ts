/**
 * @module AWS SDK clients for a running local platform: the clients the Lambdas build, pointed
 * at the local servers with the local credentials. The local run, the tests and the bench all
 * build theirs here.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** The local run's credentials: DynamoDB Local and the local SQS accept any; the front door checks these. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Where the local servers listen, as the local run's outputs name them. */
export interface LocalEndpoints {
  readonly DynamoDbEndpoint: string;
  readonly SqsEndpoint: string;
  readonly SchedulerEndpoint: string;
  readonly Region: string;
}

const settings = (endpoint: string, region: string) => ({ endpoint, region, credentials: LOCAL_CREDENTIALS });

export function localDynamoDb(local: Pick<LocalEndpoints, "DynamoDbEndpoint" | "Region">): DynamoDBClient {
  return new DynamoDBClient(settings(local.DynamoDbEndpoint, local.Region));
}

/** The document client, with the marshalling the Lambdas' has (lambdas/wiring/clients.ts). */
export function localDocumentClient(
  local: Pick<LocalEndpoints, "DynamoDbEndpoint" | "Region">,
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localDynamoDb(local), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function localSqs(local: Pick<LocalEndpoints, "SqsEndpoint" | "Region">): SQSClient {
  return new SQSClient(settings(local.SqsEndpoint, local.Region));
}

export function localScheduler(local: Pick<LocalEndpoints, "SchedulerEndpoint" | "Region">): SchedulerClient {
  return new SchedulerClient(settings(local.SchedulerEndpoint, local.Region));
}
