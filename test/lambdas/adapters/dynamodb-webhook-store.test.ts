import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { keys } from "../../../lambdas/adapters/table-keys";
import { webhookStore } from "../../../lambdas/wiring/clients";
import { createEndpoint } from "../../support/delivery";
import { documentClient, newTenant, platform } from "../../support/platform";

/** The endpoint item in DynamoDB Local: the fields added after endpoints were first stored. */
describe("DynamoDbWebhookStore", () => {
  it("reads an endpoint stored before http_method and filter existed as sent with POST, unfiltered", async () => {
    // Prepare
    const tenant = await newTenant("store");
    const hook = await createEndpoint(tenant, "http://127.0.0.1:9/old", {
      http_method: "PUT",
      filter: { conversion_identifier: ["form-contato"] },
    });
    await documentClient().send(
      new UpdateCommand({
        TableName: platform().TableName,
        Key: keys.webhook(tenant.tenantId, hook.id),
        UpdateExpression: "REMOVE http_method, filter_json",
      }),
    );

    // Act
    const stored = await webhookStore().get(tenant.tenantId, hook.id);
    const view = (await tenant.api("GET", `/v1/webhooks/${hook.id}`)).json.data;

    // Assess
    expect(stored).toMatchObject({ http_method: "POST", filter: null });
    expect(stored).not.toHaveProperty("filter_json");
    expect(view).toMatchObject({ http_method: "POST", filter: null });
  });

  it("keeps a filter's numbers as they are, even those DynamoDB's number type cannot hold", async () => {
    // Prepare
    const tenant = await newTenant("store");
    const filter = { "lead.score": [1e300, 2 ** 60, 1e-200, 0.1, -0], "lead.vip": [true, null] };

    // Act
    const hook = await createEndpoint(tenant, "http://127.0.0.1:9/numbers", { filter });
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: platform().TableName, Key: keys.webhook(tenant.tenantId, hook.id) }),
    );

    // Assess
    expect((await webhookStore().get(tenant.tenantId, hook.id))?.filter).toEqual(
      JSON.parse(JSON.stringify(filter)),
    );
    expect(Item).not.toHaveProperty("filter");
    expect(typeof Item?.filter_json).toBe("string");
  });
});
