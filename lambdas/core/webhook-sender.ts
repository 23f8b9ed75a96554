import type { OutboundRequest } from "./webhook-request";

/** Sends one signed POST (a port; the undici adapter implements it). */
export type AttemptError =
  | "timeout"
  | "connection_refused"
  | "connection_reset"
  | "dns"
  | "tls"
  | "redirect"
  | "invalid_response"
  | "forbidden_address"
  | "network";

export interface AttemptResult {
  /** null when no response arrived. */
  readonly status_code: number | null;
  readonly error: AttemptError | null;
  readonly duration_ms: number;
  /** The first 4 KB of the response body. */
  readonly response_body: string;
  /** From a Retry-After header on 429/503, in ms from now. */
  readonly retry_after_ms?: number;
}

export interface WebhookSender {
  send(request: OutboundRequest): Promise<AttemptResult>;
}

/** SPEC 5: only a 2xx within the timeout is a success; a redirect is not followed. */
export function isSuccessfulAttempt(result: AttemptResult): boolean {
  return (
    result.error === null &&
    result.status_code !== null &&
    result.status_code >= 200 &&
    result.status_code < 300
  );
}

export function describeAttempt(result: AttemptResult): string {
  if (result.error === "redirect") return `answered ${result.status_code} (redirects are not followed)`;
  if (result.error) return `failed: ${result.error.replace(/_/g, " ")}`;
  return `answered ${result.status_code}`;
}
