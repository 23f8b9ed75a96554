import { type LookupAddress, lookup } from "node:dns";
import type { IncomingHttpHeaders } from "node:http";
import type { LookupFunction } from "node:net";
import type { Agent as UndiciAgent, Dispatcher } from "undici";
// Only undici's Agent, not its index: the index loads fetch, WebSocket, caches and mocks, which
// this sender never uses, and they are most of what a cold start pays for undici (about 70 ms
// of ~95 here). undici has no `exports` map, so the path is importable; an upgrade must keep it.
import Agent from "undici/lib/dispatcher/agent.js";

type Agent = UndiciAgent;
import { parseRetryAfter } from "../core/retry-after";
import { ipLiteralHost, isForbiddenAddress } from "../core/url-policy";
import type { OutboundRequest } from "../core/webhook-request";
import type { AttemptError, AttemptResult, WebhookSender } from "../core/webhook-sender";

export interface UndiciSenderOptions {
  /** SPEC 5: a 2xx within 3 s. */
  readonly timeoutMs?: number;
  readonly allowPrivateAddresses: boolean;
  /** Attempts in flight at once; more wait for a free slot before their time starts. */
  readonly maxInFlight?: number;
}

/**
 * Lambda gives a function 1,024 file descriptors, and a batch can hold 10 events
 * for 99 endpoints each: half of them for sockets leaves room for the rest.
 */
const DEFAULT_MAX_IN_FLIGHT = 512;

const RESPONSE_BODY_LIMIT = 4096;
/**
 * Node's default, stated here: undici otherwise takes `--max-http-header-size`,
 * which NODE_OPTIONS can raise, and a receiver's headers are held in memory whole.
 */
const RESPONSE_HEADERS_LIMIT = 16 * 1024;
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

/**
 * Sends each attempt through undici's dispatcher API, with a handler that keeps
 * the status, Retry-After and the first 4 KB of the body, so no response stream
 * or abort signal is made per request. Each attempt has one timer: the whole
 * attempt (connect, request, headers and body) ends at the time limit, so a
 * receiver trickling its body cannot stretch it.
 *
 * The Agent does not cap connections per origin. With a cap, once every
 * connection to a host was taken by endpoints that never answer, requests to
 * healthy endpoints on the same host (two hooks on one integration platform)
 * waited for a connection and ran out of time there, failing the healthy
 * endpoint for the platform's own queueing. Without one, nothing waits: an
 * attempt that finds no idle connection opens its own. How many are open at
 * once is bounded by the attempts in flight, which the sender caps at
 * `maxInFlight`: an attempt beyond it waits for a slot, and its 3 s start
 * only when it has one, so the wait never counts against the endpoint.
 */
export class UndiciWebhookSender implements WebhookSender {
  private readonly timeoutMs: number;
  private readonly agent: Agent;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: UndiciSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.agent = new Agent({
      connect: {
        timeout: this.timeoutMs,
        ...(options.allowPrivateAddresses ? {} : { lookup: guardedLookup }),
      },
      maxHeaderSize: RESPONSE_HEADERS_LIMIT,
      // The attempt's own timer bounds the whole exchange; these would only bound its phases.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 10_000,
    });
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
      return await new Promise((resolve) => {
        this.agent.dispatch(
          {
            origin: url.origin,
            path: url.search ? url.pathname + url.search : url.pathname,
            method: outbound.method,
            headers: outbound.headers,
            body: outbound.body,
          },
          new AttemptHandler(resolve, this.timeoutMs),
        );
      });
    } finally {
      // The slot passes straight to the next waiting attempt, so none can overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** One attempt's exchange, from dispatch to its result; resolves once, whatever arrives after. */
class AttemptHandler implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | undefined;
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

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Given up on before the request reached a connection (a slow connect): do not send it.
    if (this.result) controller.abort(new AttemptEndedError());
    else this.controller = controller;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // The request asked for no upgrade, so what follows a 101 is not HTTP; undici 7.30
    // would go on to fail `assert(upgrade)` in client-h1.js onUpgrade (line 533).
    if (statusCode === 101) return this.refuse(controller);
    // 102 and 103 are informational: the final status follows. A 100 never gets here (see classify).
    if (statusCode < 200) return;
    this.status = statusCode;
    if (statusCode === 429 || statusCode === 503) this.retryAfter = headerValue(headers["retry-after"]);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.result) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    // The rest of the body is dropped, and the connection with it.
    if (this.size >= RESPONSE_BODY_LIMIT) {
      this.finish();
      controller.abort(new AttemptEndedError());
    }
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_: Dispatcher.DispatchController, error: Error): void {
    // A body cut short after the status line still counts as that status.
    if (this.status !== null) this.finish();
    else this.end(failure(classify(error), this.elapsed()));
  }

  private refuse(controller: Dispatcher.DispatchController): void {
    this.end(failure("invalid_response", this.elapsed()));
    controller.abort(new AttemptEndedError());
  }

  private expire(): void {
    if (this.status !== null) this.finish();
    else this.end(failure("timeout", this.elapsed()));
    this.controller?.abort(new AttemptEndedError());
  }

  /** Ends with the status received and as much of the body as arrived. */
  private finish(): void {
    const status = this.status ?? 0;
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const retryAfter =
      this.retryAfter === undefined ? undefined : parseRetryAfter(this.retryAfter, Date.now());
    this.end({
      status_code: status,
      error: status >= 300 && status < 400 ? "redirect" : null,
      duration_ms: this.elapsed(),
      response_body: body.toString("utf8", 0, Math.min(body.length, RESPONSE_BODY_LIMIT)),
      ...(retryAfter === undefined ? {} : { retry_after_ms: retryAfter }),
    });
  }

  private end(result: AttemptResult): void {
    if (this.result) return;
    this.result = result;
    clearTimeout(this.timer);
    this.resolve(result);
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }
}

/** Why the sender aborted an exchange whose result it already has; never reported. */
class AttemptEndedError extends Error {
  override readonly name = "AttemptEndedError";
}

function failure(error: AttemptError, durationMs: number): AttemptResult {
  return { status_code: null, error, duration_ms: durationMs, response_body: "" };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The code and message of the first error in the cause chain that has a code. */
function failureCause(error: unknown): { code: string; message: string } {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    const text = typeof message === "string" ? message : "";
    // undici 7's HTTPParserError leaves `code` undefined (it looks the llhttp code up by number).
    if (name === "HTTPParserError") {
      return { code: typeof code === "string" ? code : "HPE_UNKNOWN", message: text };
    }
    if (typeof code === "string") return { code, message: text };
    if (name === "TimeoutError" || name === "AbortError") return { code: "TIMEOUT", message: text };
    current = (current as { cause?: unknown }).cause;
  }
  return { code: "UNKNOWN", message: "" };
}

/**
 * Codes whose kind no family prefix in classify tells. Of undici's own codes
 * (lib/core/errors.js), the others either cannot reach this handler (proxy, retry,
 * balanced pool, WebSocket, maxOrigins and maxResponseSize errors: none is used;
 * UND_ERR_INFO, which undici never fails a running request with; UND_ERR_ABORTED,
 * only after this handler has its result) or mean the request could not be sent
 * (UND_ERR_INVALID_ARG for a header value beyond Latin-1, UND_ERR_NOT_SUPPORTED for
 * an Expect header, UND_ERR_DESTROYED and UND_ERR_CLOSED after close()): `network`.
 */
const KIND_BY_CODE = new Map<string, AttemptError>([
  [FORBIDDEN_ADDRESS, "forbidden_address"],
  ["ETIMEDOUT", "timeout"],
  ["ECONNREFUSED", "connection_refused"],
  ["ECONNRESET", "connection_reset"],
  ["ECONNABORTED", "connection_reset"],
  ["EPIPE", "connection_reset"],
  ["ENOTFOUND", "dns"],
  ["UND_ERR_HEADERS_OVERFLOW", "invalid_response"],
  ["UND_ERR_RES_CONTENT_LENGTH_MISMATCH", "invalid_response"],
]);

/** Node's TLS errors, and the OpenSSL certificate verification codes it reports as they are. */
const TLS_CODE = new RegExp(
  "^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|CRL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERROR_IN_C)" +
    "|^(INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH)$",
);

/**
 * undici reports a receiver that broke the protocol with the code of a closed
 * socket, UND_ERR_SOCKET, and tells them apart only by message. In 7.30,
 * lib/dispatcher/client-h1.js Parser.onHeadersComplete (lines 602-611):
 * "bad response" for any 100 Continue, since it never sends `Expect:
 * 100-continue` (lib/core/request.js:478 refuses the header) and has no option
 * to accept one, so the 200 after it is never parsed (RFC 9110 15.2 would have
 * it accepted); "bad upgrade" for a 101 with Upgrade to a request that asked
 * for none. "other side closed" and "closed" are the peer closing mid-exchange.
 */
const PROTOCOL_VIOLATIONS = new Set(["bad response", "bad upgrade"]);

function classify(error: unknown): AttemptError {
  const { code, message } = failureCause(error);
  if (code === "UND_ERR_SOCKET") {
    return PROTOCOL_VIOLATIONS.has(message) ? "invalid_response" : "connection_reset";
  }
  const kind = KIND_BY_CODE.get(code);
  if (kind) return kind;
  // undici's connect, headers and body timeouts, Node's TLS handshake and connection-attempt ones.
  if (code.includes("TIMEOUT")) return "timeout";
  if (code.startsWith("EAI_")) return "dns";
  if (TLS_CODE.test(code)) return "tls";
  if (code.startsWith("HPE_")) return "invalid_response";
  // No route to the host (ENETUNREACH, EHOSTUNREACH), the sender's own limits (EMFILE,
  // EADDRNOTAVAIL), or a request undici would not send.
  return "network";
}
