import {
  Agent as HttpAgent,
  type ClientRequest,
  type IncomingMessage,
  request as httpRequest,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { parseRetryAfter } from "../core/retry-after";
import { ipLiteralHost, isForbiddenAddress } from "../core/url-policy";
import type { OutboundRequest } from "../core/webhook-request";
import type { AttemptError, AttemptResult, WebhookSender } from "../core/webhook-sender";
import { resolveHost } from "./dns-resolver";

export interface HttpSenderOptions {
  /** A 2xx within 3 s is a success. */
  readonly timeoutMs?: number;
  readonly allowPrivateAddresses: boolean;
  /** Attempts in flight at once; more wait for a free slot before their time starts. */
  readonly maxInFlight?: number;
  /** Every address a host name resolves to, at each connection; DNS by default (a test's stand-in). */
  readonly resolveHost?: (hostname: string) => Promise<readonly string[]>;
}

/**
 * Lambda gives a function 1,024 file descriptors, and a batch can hold 10 events
 * for 99 endpoints each: half of them for sockets leaves room for the rest.
 */
const DEFAULT_MAX_IN_FLIGHT = 512;

const RESPONSE_BODY_LIMIT = 4096;
/**
 * Node's default, stated here: it otherwise follows `--max-http-header-size`,
 * which NODE_OPTIONS can raise, and a receiver's headers are held in memory whole.
 */
const RESPONSE_HEADERS_LIMIT = 16 * 1024;
/** How long an idle connection is kept for the endpoint's next attempt. */
const KEEP_ALIVE_MS = 10_000;
const FORBIDDEN_ADDRESS = "EFORBIDDENADDRESS";

/**
 * A lookup that refuses a host name when any address it resolves to is not public
 * (core/url-policy.ts), rather than connect to the others. Checking at connect time, not only
 * when the endpoint is saved, also defeats DNS rebinding.
 */
function guardedLookup(resolve: (hostname: string) => Promise<readonly string[]>): LookupFunction {
  return (hostname, options, callback) => {
    const fail = (error: Error) => callback(error, "", 4);
    resolve(hostname).then((resolved) => {
      const addresses = resolved
        .map((address) => ({ address, family: isIP(address) }))
        .filter(({ family }) => !options.family || family === options.family);
      if (resolved.some(isForbiddenAddress)) {
        return fail(
          Object.assign(new Error(`${hostname} resolves to a forbidden address`), {
            code: FORBIDDEN_ADDRESS,
          }),
        );
      }
      const first = addresses[0];
      if (!first) return fail(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }));
      if (options.all)
        return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
      callback(null, first.address, first.family);
    }, fail);
  };
}

/**
 * Sends each attempt with Node's own HTTP client, which is part of the runtime: a cold start
 * loads no HTTP library (docs/performance.md, section 7), and its parser is native. It keeps
 * the status, Retry-After and the first 4 KB of the body. Each attempt has one timer: the
 * whole attempt (connect, request, headers and body) ends at the time limit, so a receiver
 * trickling its body cannot stretch it.
 *
 * The agents do not cap connections per origin. With a cap, once every connection to a host
 * was taken by endpoints that never answer, requests to healthy endpoints on the same host
 * (two hooks on one integration platform) waited for a connection and ran out of time there,
 * failing the healthy endpoint for the platform's own queueing. Without one, nothing waits: an
 * attempt that finds no idle connection opens its own. How many are open at once is bounded
 * by the attempts in flight, which the sender caps at `maxInFlight`: an attempt beyond it
 * waits for a slot, and its 3 s start only when it has one, so the wait never counts against
 * the endpoint.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly timeoutMs: number;
  private readonly agents: { readonly http: HttpAgent; readonly https: HttpsAgent };
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly lookup: LookupFunction | undefined;

  constructor(private readonly options: HttpSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.lookup = options.allowPrivateAddresses
      ? undefined
      : guardedLookup(options.resolveHost ?? resolveHost);
    // `timeout` closes a connection idle that long; a busy one ends with its attempt's timer.
    const agentOptions = { keepAlive: true, timeout: KEEP_ALIVE_MS, scheduling: "lifo" } as const;
    this.agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  }

  async send(outbound: OutboundRequest): Promise<AttemptResult> {
    const url = new URL(outbound.url);
    const literal = ipLiteralHost(url);
    if (!this.options.allowPrivateAddresses && literal && isForbiddenAddress(literal)) {
      return failure("forbidden_address", 0);
    }
    if (this.inFlight < this.maxInFlight) this.inFlight++;
    else await new Promise<void>((takeSlot) => this.waiting.push(takeSlot));
    try {
      return await new Promise((resolve) =>
        new Attempt(resolve, this.timeoutMs).start(this.request(url, outbound), outbound.body),
      );
    } finally {
      // The slot passes straight to the next waiting attempt, so none can overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  /** The request, not yet sent; a header Node will not send throws here (a `network` failure). */
  private request(url: URL, outbound: OutboundRequest): () => ClientRequest {
    const https = url.protocol === "https:";
    return () =>
      (https ? httpsRequest : httpRequest)(url, {
        method: outbound.method,
        headers: { ...outbound.headers, "content-length": Buffer.byteLength(outbound.body) },
        agent: https ? this.agents.https : this.agents.http,
        maxHeaderSize: RESPONSE_HEADERS_LIMIT,
        ...(this.lookup ? { lookup: this.lookup } : {}),
      });
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** One attempt's exchange, from request to its result; resolves once, whatever arrives after. */
class Attempt {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private request: ClientRequest | undefined;
  private result: AttemptResult | undefined;
  private status: number | null = null;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly resolve: (result: AttemptResult) => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  start(build: () => ClientRequest, body: string): void {
    let request: ClientRequest;
    try {
      request = build();
    } catch (error) {
      return this.end(failure(classify(error), this.elapsed()));
    }
    this.request = request;
    request.on("response", (response) => this.onResponse(response));
    // An unrequested 1xx (100 Continue, 102, 103) is informational: the final status follows
    // (RFC 9110, section 15.2), and Node reads on. A 101 is not: the request asked for no upgrade.
    request.on("upgrade", () => this.end(failure("invalid_response", this.elapsed()), true));
    request.on("error", (error) => {
      // A body cut short after the status line still counts as that status.
      if (this.status !== null) this.finish();
      else this.end(failure(classify(error), this.elapsed()), true);
    });
    request.end(body);
  }

  private onResponse(response: IncomingMessage): void {
    const statusCode = response.statusCode ?? 0;
    // A 101 without an Upgrade header: what follows it is not this request's answer.
    if (statusCode === 101) return this.end(failure("invalid_response", this.elapsed()), true);
    this.status = statusCode;
    if (statusCode === 429 || statusCode === 503)
      this.retryAfter = headerValue(response.headers["retry-after"]);
    response.on("data", (chunk: Buffer) => {
      if (this.result) return;
      this.chunks.push(chunk);
      this.size += chunk.length;
      // The rest of the body is dropped, and the connection with it.
      if (this.size >= RESPONSE_BODY_LIMIT) this.finish(true);
    });
    response.on("end", () => this.finish());
    response.on("aborted", () => this.finish());
    response.on("error", () => this.finish());
  }

  private expire(): void {
    if (this.status !== null) this.finish(true);
    else this.end(failure("timeout", this.elapsed()), true);
  }

  /** Ends with the status received and as much of the body as arrived. */
  private finish(dropConnection = false): void {
    const status = this.status ?? 0;
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const retryAfter =
      this.retryAfter === undefined ? undefined : parseRetryAfter(this.retryAfter, Date.now());
    this.end(
      {
        status_code: status,
        error: status >= 300 && status < 400 ? "redirect" : null,
        duration_ms: this.elapsed(),
        response_body: body.toString("utf8", 0, Math.min(body.length, RESPONSE_BODY_LIMIT)),
        ...(retryAfter === undefined ? {} : { retry_after_ms: retryAfter }),
      },
      dropConnection,
    );
  }

  private end(result: AttemptResult, dropConnection = false): void {
    if (this.result) return;
    this.result = result;
    clearTimeout(this.timer);
    if (dropConnection) this.request?.destroy();
    this.resolve(result);
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }
}

function failure(error: AttemptError, durationMs: number): AttemptResult {
  return { status_code: null, error, duration_ms: durationMs, response_body: "" };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The code of the first error in the cause chain that has one. */
function failureCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code } = current as { code?: unknown };
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return "UNKNOWN";
}

/** Codes whose kind no family prefix in classify tells. */
const KIND_BY_CODE = new Map<string, AttemptError>([
  [FORBIDDEN_ADDRESS, "forbidden_address"],
  ["ETIMEDOUT", "timeout"],
  ["ECONNREFUSED", "connection_refused"],
  // Also Node's "socket hang up": the connection closed before a complete response.
  ["ECONNRESET", "connection_reset"],
  ["ECONNABORTED", "connection_reset"],
  ["EPIPE", "connection_reset"],
  ["ENOTFOUND", "dns"],
]);

/** Node's TLS errors, and the OpenSSL certificate verification codes it reports as they are. */
const TLS_CODE = new RegExp(
  "^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|CRL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERROR_IN_C)" +
    "|^(INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH)$",
);

function classify(error: unknown): AttemptError {
  const code = failureCode(error);
  const kind = KIND_BY_CODE.get(code);
  if (kind) return kind;
  // Node's TLS handshake and connection-attempt timeouts.
  if (code.includes("TIMEOUT")) return "timeout";
  if (code.startsWith("EAI_")) return "dns";
  if (TLS_CODE.test(code)) return "tls";
  // llhttp's: not HTTP, headers over the limit, a bad length or chunk.
  if (code.startsWith("HPE_")) return "invalid_response";
  // No route to the host (ENETUNREACH, EHOSTUNREACH), the sender's own limits (EMFILE,
  // EADDRNOTAVAIL), or a request Node would not send (ERR_INVALID_CHAR in a header).
  return "network";
}
