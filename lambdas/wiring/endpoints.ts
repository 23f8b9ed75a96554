/**
 * @module The composition root, part two: the one sender every POST to a receiver goes
 * through, and endpoint management, which POSTs the verification request. Delivery is wired in
 * ./delivery.ts, apart, so that endpoint management does not bundle the ingest check (ajv).
 */
import { resolveHost } from "../adapters/dns-resolver";
import { HttpWebhookSender } from "../adapters/http-webhook-sender";
import { loadConfig } from "../config";
import { webhookManagement as createWebhookManagement } from "../core/webhook-management";
import type { WebhookSender } from "../core/webhook-sender";
import { currentCatalog, once, webhookStore } from "./clients";

const endpointPolicy = /* @__PURE__ */ once(() => loadConfig("endpointPolicy"));

export const webhookSender = /* @__PURE__ */ once(
  (): WebhookSender =>
    new HttpWebhookSender({ allowPrivateAddresses: endpointPolicy().ALLOW_PRIVATE_ADDRESSES }),
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
