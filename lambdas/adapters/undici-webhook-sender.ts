import { type LookupAddress, lookup } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, request } from "undici";
import { parseRetryAfter } from "../core/retry-after";
import { ipLiteralHost, isForbiddenAddress } from "../core/url-policy";
import type { OutboundRequest } from "../core/webhook-request";
import type { AttemptError, AttemptResult, WebhookSender } from "../core/webhook-sender";

export interface UndiciSenderOptions {
  /** SPEC 5: a 2xx within 3 s. */
  readonly timeoutMs?: number;
  readonly allowPrivateAddresses: boolean;
  readonly maxConnectionsPerOrigin?: number;
}

const RESPONSE_BODY_LIMIT = 4096;
const FORBIDDEN_ADDRESS = "EFORBIDDENADDRESS";

/**
 * dns.lookup that refuses private and metadata addresses. Checking at connect
 * time, not only when the endpoint is created, also defeats DNS rebinding.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 4);
    const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
    const first = addresses[0];
    if (forbidden || !first) {
      const refused = Object.assign(new Error(`${hostname} resolves to a forbidden address`), {
        code: FORBIDDEN_ADDRESS,
      });
      return callback(refused, "", 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, first.address, first.family);
  });
};

export class UndiciWebhookSender implements WebhookSender {
  private readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(private readonly options: UndiciSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.agent = new Agent({
      connect: {
        timeout: this.timeoutMs,
        ...(options.allowPrivateAddresses ? {} : { lookup: guardedLookup }),
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 10_000,
      connections: options.maxConnectionsPerOrigin ?? 32,
    });
  }

  async send(outbound: OutboundRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(outbound.url);
    const literal = ipLiteralHost(url);
    if (!this.options.allowPrivateAddresses && literal && isForbiddenAddress(literal)) {
      return failure("forbidden_address", 0);
    }
    try {
      const response = await request(url, {
        method: "POST",
        headers: outbound.headers,
        body: outbound.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const status = response.statusCode;
      const responseBody = await readPrefix(response.body);
      const retryAfter =
        status === 429 || status === 503
          ? parseRetryAfter(headerValue(response.headers["retry-after"]), Date.now())
          : undefined;
      return {
        status_code: status,
        error: status >= 300 && status < 400 ? "redirect" : null,
        duration_ms: elapsed(),
        response_body: responseBody,
        ...(retryAfter === undefined ? {} : { retry_after_ms: retryAfter }),
      };
    } catch (error) {
      return failure(classify(error), elapsed());
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function failure(error: AttemptError, durationMs: number): AttemptResult {
  return { status_code: null, error, duration_ms: durationMs, response_body: "" };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The first 4 KB of the body; the rest is dropped (and the connection with it). */
async function readPrefix(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_BODY_LIMIT) {
        body.destroy();
        break;
      }
    }
  } catch {
    // A body cut short after the status line still counts as that status.
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString("utf8");
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    // undici 7's HTTPParserError leaves `code` undefined (it looks the llhttp code up by number).
    if (name === "HTTPParserError") return typeof code === "string" ? code : "HPE_UNKNOWN";
    if (typeof code === "string") return code;
    if (name === "TimeoutError" || name === "AbortError") return "TIMEOUT";
    current = (current as { cause?: unknown }).cause;
  }
  return "UNKNOWN";
}

function classify(error: unknown): AttemptError {
  const code = errorCode(error);
  if (code === FORBIDDEN_ADDRESS) return "forbidden_address";
  if (code === "TIMEOUT" || code.includes("TIMEOUT") || code === "ETIMEDOUT") return "timeout";
  if (code === "ECONNREFUSED") return "connection_refused";
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET") return "connection_reset";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return "dns";
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code)) return "tls";
  if (code.startsWith("HPE_") || code === "UND_ERR_INFO" || code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH")
    return "invalid_response";
  return "network";
}
