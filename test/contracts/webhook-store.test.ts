import { describe } from "vitest";
import { MemoryEndpoints } from "../../bench/memory-ports";
import { DynamoDbEndpointHealthStore } from "../../lambdas/adapters/dynamodb-endpoint-health-store";
import { DynamoDbWebhookStore } from "../../lambdas/adapters/dynamodb-webhook-store";
import { documentClient, platform } from "../support/platform";
import { endpointReadsContract, webhookStoreContract } from "./webhook-store.contract";

describe("DynamoDbWebhookStore on DynamoDB Local", () =>
  webhookStoreContract(() => ({
    store: new DynamoDbWebhookStore(documentClient(), platform().TableName),
    health: new DynamoDbEndpointHealthStore(documentClient(), platform().TableName),
  })));

/**
 * The bench's endpoints hold what the delivery worker reads (get, list, disable, and the health
 * store beside them), not a tenant's writes (urlRegistrations, insert, replace, remove): the bench
 * and the core's tests add endpoints directly. They run the part of the contract they implement.
 */
describe("MemoryEndpoints (bench, core tests): the delivery worker's part", () =>
  endpointReadsContract(() => {
    const endpoints = new MemoryEndpoints();
    return { store: endpoints, health: endpoints, add: async (endpoint) => endpoints.add(endpoint) };
  }));
