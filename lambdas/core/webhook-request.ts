import { applyFieldMapping, type FieldMapping } from "./field-mapping";
import { hexSignature, standardWebhookSignature } from "./signing";

/** What a receiver gets (SPEC 4): one signed JSON POST per event and endpoint. */
export const PRODUCT_NAME = "hookline";
export const PRODUCT_VERSION = "0.1.0";
export const USER_AGENT = `${PRODUCT_NAME}/${PRODUCT_VERSION}`;

export interface WebhookEvent {
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: unknown;
}

export interface WebhookTarget {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly field_mapping: FieldMapping;
  /** Newest first; during a rotation the previous secret signs alongside. */
  readonly secrets: readonly string[];
}

export interface OutboundRequest {
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
  const data = input.mapFields ? applyFieldMapping(event.data, target.field_mapping) : event.data;
  const body = JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at, data });
  const timestamp = Math.floor(input.now.getTime() / 1000);
  const [newest = ""] = target.secrets;
  return {
    url: target.url,
    body,
    headers: {
      // Lower-cased so that a custom header can never sit beside a platform header of another case.
      ...Object.fromEntries(
        Object.entries(target.headers).map(([name, value]) => [name.toLowerCase(), value]),
      ),
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "webhook-id": input.messageId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": standardWebhookSignature(target.secrets, {
        messageId: input.messageId,
        timestamp,
        body,
      }),
      "x-webhook-signature": hexSignature(newest, body),
      "x-webhook-event": event.type,
      "x-webhook-attempt": String(input.attempt),
    },
  };
}
