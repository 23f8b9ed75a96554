/**
 * @module What a receiver gets (docs/receiving.md): one signed JSON request per event and endpoint (a POST, or its http_method).
 */
import { applyFieldMapping, type FieldMapping } from "./field-mapping";
import { hexSignature, standardWebhookSignature } from "./signing";

export const PRODUCT_NAME = "hookline";
export const PRODUCT_VERSION = "0.1.0";
export const USER_AGENT = `${PRODUCT_NAME}/${PRODUCT_VERSION}`;

/** An endpoint's `http_method` (docs/api.md, from SendSonar and RD Station): POST by default, or PUT or PATCH. */
export const HTTP_METHODS = ["POST", "PUT", "PATCH"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface WebhookEvent {
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: unknown;
}

export interface WebhookTarget {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly field_mapping: FieldMapping;
  /** Newest first; during a rotation the previous secret signs alongside. */
  readonly secrets: readonly string[];
}

export interface OutboundRequest {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface BuildRequestInput {
  readonly target: WebhookTarget;
  /** The delivery's stable id: `webhook-id`, the same on every retry. */
  readonly messageId: string;
  readonly event: WebhookEvent;
  readonly attempt: number;
  readonly now: Date;
  /** Platform events (webhook.*) are sent as they are, not through the field mapping. */
  readonly mapFields: boolean;
}

export function buildWebhookRequest(input: BuildRequestInput): OutboundRequest {
  const { target, event } = input;
  const body = deliveredBody(event, input.mapFields ? target.field_mapping : {});
  const timestamp = Math.floor(input.now.getTime() / 1000);
  const [newest = ""] = target.secrets;
  const headers: Record<string, string> = {};
  // Lower-cased so that a custom header can never sit beside a platform header of another case;
  // the platform headers are assigned after them and win.
  for (const name of Object.keys(target.headers)) {
    headers[name.toLowerCase()] = target.headers[name] as string;
  }
  headers["content-type"] = "application/json";
  headers["user-agent"] = USER_AGENT;
  headers["webhook-id"] = input.messageId;
  headers["webhook-timestamp"] = String(timestamp);
  headers["webhook-signature"] = standardWebhookSignature(target.secrets, {
    messageId: input.messageId,
    timestamp,
    body,
  });
  headers["x-webhook-signature"] = hexSignature(newest, body);
  headers["x-webhook-event"] = event.type;
  headers["x-webhook-attempt"] = String(input.attempt);
  return { method: target.method, url: target.url, body, headers };
}

/**
 * Bodies of events whose data goes out as it is, by event: a fan-out sends the
 * same event object to every endpoint, so it is serialised once, not once per
 * endpoint. Weak, so an event's body goes when the event does.
 */
const unmappedBodies = new WeakMap<WebhookEvent, string>();

function deliveredBody(event: WebhookEvent, mapping: FieldMapping): string {
  const data = applyFieldMapping(event.data, mapping);
  if (data !== event.data) return envelope(event, data);
  let body = unmappedBodies.get(event);
  if (body === undefined) {
    body = envelope(event, data);
    unmappedBodies.set(event, body);
  }
  return body;
}

function envelope(event: WebhookEvent, data: unknown): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at, data });
}
