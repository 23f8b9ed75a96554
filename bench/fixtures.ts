import { generateSecret } from "../lambdas/core/signing";
import { HEALTHY, type WebhookEndpoint } from "../lambdas/core/webhook-endpoint";

/** What the benchmark sends: a typical CRM event (~1 KB as delivered) and endpoints like tenants create. */
export const EVENT_TYPE = "crm.lead.created";
export const OCCURRED_AT = "2026-02-15T10:30:00.000Z";

const NOTE =
  "Met at the São Paulo trade fair; wants a quote for 40 seats with SSO and an annual contract. " +
  "Follow up after the procurement review next week. ";

/** Event data sized so that the delivered body, {id,type,created_at,data}, is about 1 KB. */
export const EVENT_DATA = {
  lead: {
    id: "lead_01JM3QK4T6V8Z2W4E6R8T0Y2U4",
    name: "Conformância Indústria Ltda",
    email: "compras@conformancia.example.com",
    phone: "+55 11 91234-5678",
    title: "Head of Procurement",
    source: "website_form",
    pipeline_id: "pl_sales_2026",
    stage: "qualified",
    owner: { id: "usr_8842", name: "Mariana Souza", email: "mariana.souza@example.com" },
    value: { amount: 1250000, currency: "BRL" },
    tags: ["enterprise", "inbound", "q1-campaign", "priority"],
    custom_fields: {
      employees: 320,
      segment: "manufacturing",
      city: "Campinas",
      state: "SP",
      utm_source: "google",
      utm_campaign: "brand-2026",
    },
    created_at: "2026-02-15T10:29:58.412Z",
  },
  score: 42,
  notes: NOTE.repeat(3).slice(0, 330),
};

/** The body a receiver gets for event `id` (what the plain POST baseline sends). */
export function deliveredBody(id: string): string {
  return JSON.stringify({ id, type: EVENT_TYPE, created_at: OCCURRED_AT, data: EVENT_DATA });
}

/**
 * SQS message bodies as producers put them on the events queue; the id is
 * spliced into a prebuilt string so that making a message costs next to nothing.
 */
export function messageFactory(tenantId: string): (eventId: string) => string {
  const marker = "\u0000ID\u0000";
  const [head = "", tail = ""] = JSON.stringify({
    tenant_id: tenantId,
    type: EVENT_TYPE,
    id: marker,
    occurred_at: OCCURRED_AT,
    data: EVENT_DATA,
  }).split(JSON.stringify(marker).slice(1, -1));
  return (eventId) => head + eventId + tail;
}

export function endpoint(tenantId: string, n: number, url: string): WebhookEndpoint {
  const at = "2026-01-10T09:00:00.000Z";
  return {
    id: `wh_${tenantId}_${n}`,
    tenant_id: tenantId,
    name: `Receiver ${n}`,
    slug: `receiver-${n}`,
    url,
    http_method: "POST",
    events: ["crm.lead.*"],
    description: null,
    is_active: true,
    headers: { "X-Api-Key": "rk_live_5f1d2c3b4a" },
    field_mapping: {},
    filter: null,
    target_pipeline_id: null,
    target_column_id: null,
    disabled_reason: null,
    disabled_at: null,
    created_at: at,
    updated_at: at,
    secret: generateSecret(),
    version: 1,
    health: HEALTHY,
  };
}
