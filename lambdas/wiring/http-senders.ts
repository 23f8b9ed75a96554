import { resolveHost } from "../adapters/dns-resolver";
import { UndiciWebhookSender } from "../adapters/undici-webhook-sender";
import { loadConfig } from "../config";
import { webhookManagement as createWebhookManagement } from "../core/webhook-management";
import { currentCatalog, once, webhookStore } from "./aws";

/**
 * The composition root, part two: the one undici Agent every POST to a receiver goes through, and
 * endpoint management, which POSTs the verification request. Delivery is wired in
 * ./event-delivery.ts, apart, so that endpoint management does not bundle the ingest check (ajv).
 */
const endpointPolicy = /* @__PURE__ */ once(() => loadConfig("endpointPolicy"));

export const webhookSender = /* @__PURE__ */ once(
  () => new UndiciWebhookSender({ allowPrivateAddresses: endpointPolicy().ALLOW_PRIVATE_ADDRESSES }),
);

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
