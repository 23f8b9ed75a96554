import { resolveHost } from "../adapters/dns-resolver";
import { PowertoolsDeliveryMetrics } from "../adapters/powertools-delivery-metrics";
import { UndiciWebhookSender } from "../adapters/undici-webhook-sender";
import { loadConfig } from "../config";
import { eventDelivery as createEventDelivery } from "../core/event-delivery";
import { webhookManagement as createWebhookManagement } from "../core/webhook-management";
import { deliveryStore, eventQueue, logger, metrics, once, retryScheduler, webhookStore } from "./aws";

/** The composition root, part two: the use cases that POST to receivers, over one shared undici Agent. */
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
    policy: {
      maxEndpoints: policy.MAX_ENDPOINTS_PER_TENANT,
      allowedSchemes: policy.ALLOWED_URL_SCHEMES,
      allowPrivateAddresses: policy.ALLOW_PRIVATE_ADDRESSES,
    },
  });
});

export const eventDelivery = /* @__PURE__ */ once(() =>
  createEventDelivery({
    deliveries: deliveryStore(),
    endpoints: webhookStore(),
    sender: webhookSender(),
    scheduler: retryScheduler(),
    queue: eventQueue(),
    metrics: new PowertoolsDeliveryMetrics(metrics()),
    log: logger(),
    schedule: loadConfig("retries").RETRY_SCHEDULE,
  }),
);
