import { describe, expect, it } from "vitest";
import { DynamoDbEventTypeStore } from "../../lambdas/adapters/dynamodb-event-type-store";
import { DynamoDbWebhookStore } from "../../lambdas/adapters/dynamodb-webhook-store";
import { cachedCatalog } from "../../lambdas/core/catalog/catalog";
import { LimitExceededError, ValidationError } from "../../lambdas/core/errors";
import { DOES_NOT_RESOLVE } from "../../lambdas/core/url-policy";
import { type EndpointPolicy, webhookManagement } from "../../lambdas/core/webhook-management";
import type { WebhookSender } from "../../lambdas/core/webhook-sender";
import {
  HOSTILE_URLS,
  type HostileUrl,
  PUBLIC_ADDRESS,
  PUBLIC_NAME,
  testResolveHost,
  UNRESOLVABLE_NAME,
} from "../support/hostile-urls";
import { documentClient, platform } from "../support/platform";

/**
 * The operator's URL policy as deployed (https only, no private addresses) and the endpoint
 * limit as a setting, on the real store. DNS is the one stand-in (test/support/hostile-urls.ts):
 * this machine resolves no public names.
 */
const accepted: WebhookSender = {
  send: async () => ({ status_code: 204, error: null, duration_ms: 1, response_body: "" }),
};
const store = () => new DynamoDbWebhookStore(documentClient(), platform().TableName);

function management(policy: Partial<EndpointPolicy> = {}) {
  return webhookManagement({
    store: store(),
    sender: accepted,
    resolveHost: testResolveHost,
    policy: { maxEndpoints: 50, allowedSchemes: ["https"], allowPrivateAddresses: false, ...policy },
    catalog: cachedCatalog(new DynamoDbEventTypeStore(documentClient(), platform().TableName), 0),
  });
}

const tenant = () => `policy-${Math.random().toString(36).slice(2, 10)}`;
const endpoint = (url: string, more: object = {}) => ({
  name: "Policy",
  url,
  events: ["crm.lead.created"],
  ...more,
});
const hostile = HOSTILE_URLS.map((entry) => [entry.url, entry.why, entry] as const);

/** A refusal on url that says why and names no address the caller did not give. */
function expectUrlRefusal(error: unknown, entry: HostileUrl) {
  expect(error).toBeInstanceOf(ValidationError);
  const { message, details } = error as ValidationError;
  expect(details).toEqual([{ field: "url", message: expect.stringMatching(/not public|credentials/) }]);
  for (const address of entry.resolvesTo ?? []) expect(message).not.toContain(address);
}

describe("the deployed URL policy", () => {
  it("accepts an https URL on a public name and on a public address", async () => {
    const t = tenant();
    const byName = await management().create(t, endpoint(`https://${PUBLIC_NAME}/in`));
    const byAddress = await management().create(t, endpoint(`https://${PUBLIC_ADDRESS}/in`));

    expect([byName.url, byAddress.url]).toEqual([
      `https://${PUBLIC_NAME}/in`,
      `https://${PUBLIC_ADDRESS}/in`,
    ]);
  });

  it("refuses plain http with a validation error on url", async () => {
    const error = await management()
      .create(tenant(), endpoint(`http://${PUBLIC_NAME}/in`))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: "url", message: "url must use https" }]);
  });

  it.each(hostile)("refuses to create %s (%s) and stores nothing", async (url, _why, entry) => {
    // Prepare
    const t = tenant();

    // Act
    const error = await management()
      .create(t, endpoint(url))
      .catch((e: unknown) => e);

    // Assess
    expectUrlRefusal(error, entry);
    expect(await store().list(t)).toEqual([]);
  });

  it.each(hostile)("refuses to update an endpoint to %s (%s), verified or not", async (url, _why, entry) => {
    // Prepare
    const t = tenant();
    const created = await management().create(t, endpoint(`https://${PUBLIC_NAME}/a`));

    // Act
    const verified = await management()
      .update(t, created.id, { url })
      .catch((e: unknown) => e);
    const unverified = await management()
      .update(t, created.id, { url, verify: false })
      .catch((e: unknown) => e);

    // Assess
    expectUrlRefusal(verified, entry);
    expectUrlRefusal(unverified, entry);
    expect((await store().list(t)).map((e) => e.url)).toEqual([`https://${PUBLIC_NAME}/a`]);
  });

  it("refuses a host name that does not resolve when the endpoint is to be verified", async () => {
    const t = tenant();
    const created = await management().create(t, endpoint(`https://${PUBLIC_NAME}/a`));

    const atCreate = await management()
      .create(t, endpoint(`https://${UNRESOLVABLE_NAME}/in`))
      .catch((e: unknown) => e);
    const atUpdate = await management()
      .update(t, created.id, { url: `https://${UNRESOLVABLE_NAME}/in` })
      .catch((e: unknown) => e);

    for (const error of [atCreate, atUpdate]) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toEqual([{ field: "url", message: DOES_NOT_RESOLVE }]);
    }
    expect((await store().list(t)).map((e) => e.url)).toEqual([`https://${PUBLIC_NAME}/a`]);
  });

  it("keeps a host name that does not resolve yet with verify: false, for delivery to check", async () => {
    const t = tenant();
    const created = await management().create(
      t,
      endpoint(`https://${UNRESOLVABLE_NAME}/a`, { verify: false }),
    );
    const other = await management().create(t, endpoint(`https://${PUBLIC_NAME}/b`));

    const updated = await management().update(t, other.id, {
      url: `https://${UNRESOLVABLE_NAME}/b`,
      verify: false,
    });

    expect([created.url, updated.url]).toEqual([
      `https://${UNRESOLVABLE_NAME}/a`,
      `https://${UNRESOLVABLE_NAME}/b`,
    ]);
  });

  it("allows private addresses, unresolvable names and http when the operator says so", async () => {
    const local = management({ allowedSchemes: ["https", "http"], allowPrivateAddresses: true });
    const t = tenant();

    await expect(local.create(t, endpoint("http://127.0.0.1:9/in"))).resolves.toMatchObject({
      is_active: true,
    });
    await expect(local.create(t, endpoint("https://[::ffff:0:127.0.0.1]/in"))).resolves.toMatchObject({
      is_active: true,
    });
    await expect(local.create(t, endpoint(`https://${UNRESOLVABLE_NAME}/in`))).resolves.toMatchObject({
      is_active: true,
    });
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
