import type { OutboundRequest } from "./webhook-request";

/** Why an attempt got no usable answer (docs/delivery.md: only a 2xx within the time limit is a success). */
export const ATTEMPT_ERRORS = [
  /** No complete status line and headers within the time limit (connect included). */
  "timeout",
  /** The receiver's host refused the TCP connection: nothing listens on that port. */
  "connection_refused",
  /** The connection was closed or reset before the status line and headers were complete. */
  "connection_reset",
  /** The host name does not resolve. */
  "dns",
  /** The TLS handshake failed: a certificate invalid, expired or for another name, or no TLS on the port. */
  "tls",
  /** The receiver answered 3xx; redirects are not followed. `status_code` holds it. */
  "redirect",
  /** The answer is not usable HTTP/1.1: not HTTP, headers too large, an unrequested 101. */
  "invalid_response",
  /** The URL or its DNS answer has an address that is not global unicast (url-policy.ts); nothing was sent. */
  "forbidden_address",
  /** Any other failure below HTTP: no route to the host, the sender out of sockets, an unsendable header. */
  "network",
] as const;
export type AttemptError = (typeof ATTEMPT_ERRORS)[number];

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

/** Sends one signed POST (a port; the Node HTTP adapter implements it). */
export interface WebhookSender {
  send(request: OutboundRequest): Promise<AttemptResult>;
}

/** docs/delivery.md: only a 2xx within the timeout is a success; a redirect is not followed. */
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
