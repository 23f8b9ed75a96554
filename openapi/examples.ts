/** @module Examples for the OpenAPI document, in the vocabulary of the products Hookline grew from. */

export const createEndpoint = {
  name: "Integração RD Station",
  url: "https://hooks.rdstation.example/jurichat",
  events: ["crm.lead.created", "crm.lead.moved"],
  description: "New and moved leads into RD Station's funnel",
  headers: { "X-Api-Token": "rd-token-123" },
  field_mapping: { email: "lead.email", nome: "lead.name" },
  filter: { "lead.pipeline_id": ["pl_1"] },
  target_pipeline_id: "pl_1",
  target_column_id: "col_new",
};

export const endpoint = {
  id: "0b0e6a52-4c1f-4f43-9a55-3f1d2b7c9e10",
  name: "Integração RD Station",
  slug: "integracao-rd-station",
  url: "https://hooks.rdstation.example/jurichat",
  http_method: "POST",
  events: ["crm.lead.created", "crm.lead.moved"],
  description: "New and moved leads into RD Station's funnel",
  is_active: true,
  headers: { "X-Api-Token": "rd-token-123" },
  field_mapping: { email: "lead.email", nome: "lead.name" },
  filter: { "lead.pipeline_id": ["pl_1"] },
  target_pipeline_id: "pl_1",
  target_column_id: "col_new",
  health: { state: "healthy", since: null, consecutive_failures: 0, next_probe_at: null },
  disabled_reason: null,
  disabled_at: null,
  created_at: "2026-11-23T08:00:00.000Z",
  updated_at: "2026-11-23T08:00:00.000Z",
};

export const createdEndpoint = { ...endpoint, secret_token: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };

export const deliverySummary = {
  id: "msg_01JD3Q8Z6Y4X2W0V9T7S5R3P1N",
  webhook_id: endpoint.id,
  event_id: "evt_4711",
  event_type: "crm.lead.created",
  status: "succeeded",
  attempt_count: 2,
  next_attempt_at: null,
  created_at: "2026-11-23T08:04:10.512Z",
  updated_at: "2026-11-23T08:24:11.020Z",
};

export const delivery = {
  ...deliverySummary,
  attempts: [
    {
      number: 1,
      attempted_at: "2026-11-23T08:04:10.530Z",
      status_code: 503,
      error: null,
      duration_ms: 212,
      response_body: '{"error":"maintenance"}',
    },
    {
      number: 2,
      attempted_at: "2026-11-23T08:24:10.600Z",
      status_code: 200,
      error: null,
      duration_ms: 88,
      response_body: '{"ok":true}',
    },
  ],
};

const leadExample = {
  lead: {
    id: "lead_4711",
    name: "Ana Souza",
    email: "ana@example.com",
    pipeline_id: "pl_1",
    column_id: "col_new",
  },
};

export const event = { type: "crm.lead.created", id: "evt_4711", data: leadExample };

export const putEventType = {
  description: "A lead was created in the CRM",
  schema: {
    type: "object",
    required: ["lead"],
    properties: { lead: { type: "object", required: ["id"], properties: { id: { type: "string" } } } },
  },
  example: leadExample,
  deprecated: false,
};

export const tenantEventType = { type: "crm.lead.created", ...putEventType };

export const eventType = {
  ...tenantEventType,
  created_at: "2026-11-01T12:00:00.000Z",
  updated_at: "2026-11-01T12:00:00.000Z",
};

export const apiKey = {
  key_id: "3f9a0c2b7d14",
  name: "RD Station sync",
  created_at: "2026-11-01T12:00:00.000Z",
  expires_at: "2027-06-01T00:00:00.000Z",
  last_used_at: "2026-11-23T08:04:10.000Z",
};

export const issuedApiKey = {
  ...apiKey,
  key: "hk_q0b5dVZkq3m1pX8w2yT6rJ4nL9cA7eF0hG3iK5oM1sU",
  tenant_id: "acme",
};

export const portalSession = {
  session_id: "7c41e9d2a0b3",
  tenant_id: "acme",
  expires_at: "2026-11-23T09:00:00.000Z",
  url: "https://api.example.com/portal#session=hps_Zk3mP9qR2sT5uV8wX1yA4bC7dE0fG3hJ6kL9mN2pQ5r",
};
