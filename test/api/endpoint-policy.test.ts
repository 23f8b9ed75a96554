import { describe, expect, it } from "vitest";
import { DynamoDbEventTypeStore } from "../../lambdas/adapters/dynamodb-event-type-store";
import { DynamoDbWebhookStore } from "../../lambdas/adapters/dynamodb-webhook-store";
import { cachedCatalog } from "../../lambdas/core/catalog/catalog";
import { LimitExceededError, ValidationError } from "../../lambdas/core/errors";
import { type EndpointPolicy, webhookManagement } from "../../lambdas/core/webhook-management";
import type { WebhookSender } from "../../lambdas/core/webhook-sender";
import { documentClient, platform } from "../support/platform";

/**
 * The operator's URL policy as deployed (https only, no private addresses) and
 * the endpoint limit as a setting, on the real store. DNS is the one stand-in:
 * this machine resolves no public names, so host names map to fixed addresses.
 */
const dns: Record<string, string[]> = {
  "hooks.example.com": ["93.184.216.34"],
  "internal.example.com": ["10.1.2.3"],
  "rebind.example.com": ["93.184.216.34", "169.254.169.254"],
};
const accepted: WebhookSender = {
  send: async () => ({ status_code: 204, error: null, duration_ms: 1, response_body: "" }),
};

function management(policy: Partial<EndpointPolicy> = {}) {
  return webhookManagement({
    store: new DynamoDbWebhookStore(documentClient(), platform().TableName),
    sender: accepted,
    resolveHost: async (host) => {
      const addresses = dns[host];
      if (!addresses) throw new Error(`ENOTFOUND ${host}`);
      return addresses;
    },
    policy: { maxEndpoints: 50, allowedSchemes: ["https"], allowPrivateAddresses: false, ...policy },
    catalog: cachedCatalog(new DynamoDbEventTypeStore(documentClient(), platform().TableName), 0),
  });
}

const tenant = () => `policy-${Math.random().toString(36).slice(2, 10)}`;
const endpoint = (url: string) => ({ name: "Policy", url, events: ["crm.lead.created"] });

describe("the deployed URL policy", () => {
  it("accepts an https URL on a public address", async () => {
    const created = await management().create(tenant(), endpoint("https://hooks.example.com/in"));
    expect(created.url).toBe("https://hooks.example.com/in");
  });

  it.each([
    ["plain http", "http://hooks.example.com/in", "https"],
    ["a loopback literal", "https://127.0.0.1/in", "private"],
    ["the metadata service", "https://169.254.169.254/latest/meta-data", "private"],
    ["an IPv6 loopback", "https://[::1]/in", "private"],
    ["a v4-mapped private address", "https://[::ffff:10.0.0.1]/in", "private"],
    ["a decimal-encoded loopback", "https://2130706433/in", "private"],
    ["a name resolving to a private address", "https://internal.example.com/in", "private"],
    ["a name with one private address among public ones", "https://rebind.example.com/in", "private"],
  ])("refuses %s with a validation error on url", async (_name, url, words) => {
    const error = await management()
      .create(tenant(), endpoint(url))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(words);
    expect((error as ValidationError).details).toEqual([expect.objectContaining({ field: "url" })]);
  });

  it("allows private addresses and http when the operator says so", async () => {
    const local = management({ allowedSchemes: ["https", "http"], allowPrivateAddresses: true });
    await expect(local.create(tenant(), endpoint("http://127.0.0.1:9/in"))).resolves.toMatchObject({
      is_active: true,
    });
  });

  it("applies the same policy when an update changes the url", async () => {
    const t = tenant();
    const created = await management().create(t, endpoint("https://hooks.example.com/a"));
    await expect(management().update(t, created.id, { url: "https://10.0.0.7/a" })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe("the endpoint limit setting", () => {
  it("refuses the endpoint past a configured maximum of 3", async () => {
    const t = tenant();
    const limited = management({ maxEndpoints: 3 });
    for (const n of [1, 2, 3]) await limited.create(t, endpoint(`https://hooks.example.com/${n}`));

    await expect(limited.create(t, endpoint("https://hooks.example.com/4"))).rejects.toBeInstanceOf(
      LimitExceededError,
    );
  });
});
