import { describe } from "vitest";
import { MemoryDeliveryStore } from "../../bench/memory-ports";
import { deliveryStore } from "../support/delivery";
import { deliveryStoreContract } from "./delivery-store.contract";

/** Both delivery stores pass one contract: production's on DynamoDB Local, and the bench's in memory. */
describe.each([
  { name: "DynamoDbDeliveryStore on DynamoDB Local", make: () => deliveryStore() },
  { name: "MemoryDeliveryStore (bench, core tests)", make: () => new MemoryDeliveryStore() },
])("$name", ({ make }) => deliveryStoreContract(make));
