/**
 * @module The composition root, part two: the one undici Agent every POST to a receiver goes
 * through, and endpoint management, which POSTs the verification request. Delivery is wired in
 * ./event-delivery.ts, apart, so that endpoint management does not bundle the ingest check (ajv).
 */
import { resolveHost } from "../adapters/dns-resolver";
import { loadConfig } from "../config";
import { webhookManagement as createWebhookManagement } from "../core/webhook-management";
import type { WebhookSender } from "../core/webhook-sender";
import { currentCatalog, once, webhookStore } from "./aws";

const endpointPolicy = /* @__PURE__ */ once(() => loadConfig("endpointPolicy"));

/**
 * undici is CommonJS: importing it runs all of its initialisation, about as long as importing the
 * DynamoDB and SQS clients (docs/performance.md, cold start). So it is loaded on the first send,
 * and endpoint management, which sends only to verify a new URL, does not pay it on its other
 * routes. Delivery sends on its normal path and loads it at import instead (./event-delivery.ts).
 */
export const webhookSender = /* @__PURE__ */ once((): WebhookSender => {
  const allowPrivateAddresses = endpointPolicy().ALLOW_PRIVATE_ADDRESSES;
  const sender = once(async () => {
    const { UndiciWebhookSender } = await import("../adapters/undici-webhook-sender");
    return new UndiciWebhookSender({ allowPrivateAddresses });
  });
  return { send: async (request) => (await sender()).send(request) };
});

export const webhookManagement = /* @__PURE__ */ once(() => {
  const policy = endpointPolicy();
  return createWebhookManagement({
    store: webhookStore(),
    sender: webhookSender(),
    resolveHost,
    catalog: currentCatalog(),
    policy: {
      maxEndpoints: policy.MAX_ENDPOINTS_PER_TENANT,
      allowedSchemes: policy.ALLOWED_URL_SCHEMES,
      allowPrivateAddresses: policy.ALLOW_PRIVATE_ADDRESSES,
    },
  });
});
