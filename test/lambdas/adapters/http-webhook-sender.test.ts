import {
  createServer,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { HttpWebhookSender, type HttpSenderOptions } from "../../../lambdas/adapters/http-webhook-sender";
import { generateSecret } from "../../../lambdas/core/signing";
import { buildWebhookRequest, type OutboundRequest } from "../../../lambdas/core/webhook-request";
import { isSuccessfulAttempt } from "../../../lambdas/core/webhook-sender";
import { HOSTILE_URLS, testResolveHost, UNRESOLVABLE_NAME } from "../../support/hostile-urls";

const timeoutMs = 500;
const SWITCHING = "HTTP/1.1 101 Switching Protocols\r\n";

interface ReceivedRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
}

const httpServers: Server[] = [];
const netServers: NetServer[] = [];
const netSockets: Socket[] = [];
const senders: HttpWebhookSender[] = [];

afterEach(async () => {
  for (const socket of netSockets.splice(0)) socket.destroy();
  await Promise.all([
    ...httpServers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
    ...netServers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  ]);
});

afterAll(async () => {
  await Promise.all(senders.splice(0).map((sender) => sender.close()));
});

function sender(allowPrivateAddresses: boolean, options: Partial<HttpSenderOptions> = {}): HttpWebhookSender {
  const created = new HttpWebhookSender({ allowPrivateAddresses, timeoutMs, ...options });
  senders.push(created);
  return created;
}

/** A real HTTP receiver on 127.0.0.1 that records each request once its body has arrived. */
async function startReceiver(respond: RequestListener = (_, res) => res.end("ok")): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      respond(req, res);
    });
  });
  httpServers.push(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/hooks`, port, received };
}

/** A TCP server on 127.0.0.1 that speaks no HTTP: it hands each connection to onConnection. */
async function startRawServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createNetServer((socket) => {
    netSockets.push(socket);
    // The sender drops a connection once it has its result; a write after that may fail.
    socket.on("error", () => {});
    onConnection(socket);
  });
  netServers.push(server);
  return listen(server);
}

async function listen(server: Server | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function outbound(url: string, overrides: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    method: "POST",
    url,
    headers: { "content-type": "application/json", "x-webhook-event": "crm.lead.created" },
    body: '{"id":"evt_1","type":"crm.lead.created","created_at":"2026-02-15T10:30:00.000Z","data":{}}',
    ...overrides,
  };
}

describe("HttpWebhookSender", () => {
  describe("with private addresses allowed", () => {
    it("reports a 200 as a successful attempt with its body and duration", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => res.end("thanks"));

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toEqual({
        status_code: 200,
        error: null,
        duration_ms: expect.any(Number),
        response_body: "thanks",
      });
      expect(result.duration_ms).toBeGreaterThanOrEqual(0);
      expect(result.duration_ms).toBeLessThan(timeoutMs);
      expect(isSuccessfulAttempt(result)).toBe(true);
      expect(receiver.received).toHaveLength(1);
    });

    it("POSTs the given headers and the exact body bytes, which the receiver can verify", async () => {
      // Prepare
      const receiver = await startReceiver();
      const secret = generateSecret();
      const request = buildWebhookRequest({
        target: {
          url: receiver.url,
          method: "POST",
          headers: { "X-Api-Key": "k-123" },
          field_mapping: {},
          secrets: [secret],
        },
        messageId: "dlv_1",
        event: {
          id: "evt_1",
          type: "crm.lead.created",
          created_at: "2026-02-15T10:30:00.000Z",
          data: { name: "João 🚀" },
        },
        attempt: 3,
        now: new Date(),
        mapFields: true,
      });

      // Act
      const result = await sender(true).send(request);

      // Assess
      expect(result.status_code).toBe(200);
      const [got] = receiver.received;
      expect(got?.method).toBe("POST");
      expect(got?.url).toBe("/hooks");
      expect(got?.body.equals(Buffer.from(request.body, "utf8"))).toBe(true);
      expect(got?.headers).toMatchObject({
        ...Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
        ),
        "content-length": String(Buffer.byteLength(request.body)),
      });
      const headers = got?.headers as Record<string, string>;
      expect(() => new Webhook(secret).verify(got?.body ?? Buffer.alloc(0), headers)).not.toThrow();
    });

    it("reports a 500 as a failed attempt with its status", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => {
        res.statusCode = 500;
        res.end("boom");
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 500, error: null, response_body: "boom" });
      expect(isSuccessfulAttempt(result)).toBe(false);
    });

    it("does not follow a 302 and reports it as a redirect", async () => {
      // Prepare
      const target = await startReceiver();
      const receiver = await startReceiver((_, res) => {
        res.writeHead(302, { location: target.url });
        res.end();
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 302, error: "redirect" });
      expect(isSuccessfulAttempt(result)).toBe(false);
      expect(receiver.received).toHaveLength(1);
      expect(target.received).toEqual([]);
    });

    it.each([
      [
        "a receiver that reads the request and never answers",
        async () => (await startReceiver(() => {})).url,
      ],
      [
        "a server that accepts the connection and never reads from it",
        async () => `http://127.0.0.1:${await startRawServer(() => {})}/`,
      ],
    ])("gives up on %s with a timeout, close to the time limit", async (_, start) => {
      // Prepare
      const url = await start();

      // Act
      const result = await sender(true).send(outbound(url));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "timeout", response_body: "" });
      expect(result.duration_ms).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(result.duration_ms).toBeLessThan(timeoutMs + 1000);
    });

    it("gives up at the time limit on a receiver that drips its status line and headers a byte every 100 ms", async () => {
      // Prepare: each byte would restart a limit on idle time, and the headers never end
      const head = "HTTP/1.1 200 OK\r\nx-drip: ";
      let dropped: Promise<unknown> = Promise.resolve();
      const port = await startRawServer((socket) => {
        dropped = new Promise((resolve) => socket.on("close", resolve));
        socket.once("data", () => {
          let sent = 0;
          const drip = setInterval(() => socket.write(head[sent++] ?? "a"), 100);
          void dropped.then(() => clearInterval(drip));
        });
      });
      const started = performance.now();

      // Act
      const result = await sender(true).send(outbound(`http://127.0.0.1:${port}/`));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "timeout", response_body: "" });
      expect(result.duration_ms).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(performance.now() - started).toBeLessThan(timeoutMs + 200);
      await dropped;
    });

    it("reports a closed port as connection_refused", async () => {
      // Prepare
      const probe = createNetServer();
      const port = await listen(probe);
      await new Promise((resolve) => probe.close(resolve));

      // Act
      const result = await sender(true).send(outbound(`http://127.0.0.1:${port}/`));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "connection_refused" });
      expect(isSuccessfulAttempt(result)).toBe(false);
    });

    it("reports a receiver that drops the connection mid-request as connection_reset", async () => {
      // Prepare
      const receiver = await startReceiver((req) => req.socket.destroy());

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "connection_reset" });
      expect(receiver.received).toHaveLength(1);
    });

    it.each([
      ["resets", (socket: Socket, head: string) => socket.write(head, () => socket.resetAndDestroy())],
      ["closes", (socket: Socket, head: string) => socket.end(head)],
    ])("reports a receiver that %s the connection mid-headers as connection_reset", async (_, cut) => {
      // Prepare
      const port = await startRawServer((socket) =>
        socket.once("data", () => cut(socket, "HTTP/1.1 200 OK\r\ncontent-type: text/pl")),
      );

      // Act
      const result = await sender(true).send(outbound(`http://127.0.0.1:${port}/`));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "connection_reset" });
      expect(result.duration_ms).toBeLessThan(timeoutMs);
    });

    it.each([
      ["a line of text", (socket: Socket) => socket.end("hello\r\n\r\n")],
      ["binary bytes", (socket: Socket) => socket.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff]))],
      [
        "an SSH banner on a connection it keeps open",
        (socket: Socket) => socket.write("SSH-2.0-OpenSSH_9.6\r\n"),
      ],
    ])("reports a reply of %s, not HTTP, as invalid_response at once", async (_, reply) => {
      // Prepare
      const port = await startRawServer((socket) => socket.once("data", () => reply(socket)));

      // Act
      const result = await sender(true).send(outbound(`http://127.0.0.1:${port}/`));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "invalid_response" });
      expect(result.duration_ms).toBeLessThan(timeoutMs);
    });

    it.each([
      [
        "10,000 headers",
        (res: ServerResponse) => {
          for (let i = 0; i < 10_000; i++) res.setHeader(`x-header-${i}`, "v");
        },
      ],
      ["one 1 MB header", (res: ServerResponse) => res.setHeader("x-big", "a".repeat(1024 * 1024))],
    ])("reports a response with %s as invalid_response at once", async (_, addHeaders) => {
      // Prepare
      const receiver = await startReceiver((_, res) => {
        addHeaders(res);
        res.end("ok");
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "invalid_response" });
      expect(result.duration_ms).toBeLessThan(timeoutMs);
    });

    it("reports the 200 after an unsolicited 100 Continue as a successful attempt (RFC 9110 15.2)", async () => {
      // Prepare: a client must accept a 1xx it did not ask for and read on to the final status
      const receiver = await startReceiver((_, res) => {
        res.writeContinue();
        res.end("ok");
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 200, error: null, response_body: "ok" });
      expect(receiver.received).toHaveLength(1);
    });

    it("reuses an idle connection for the next attempt to the same origin", async () => {
      // Prepare
      const receiver = await startReceiver();
      const webhooks = sender(true);
      const connections = new Set<unknown>();
      httpServers.at(-1)?.on("connection", (socket) => connections.add(socket));

      // Act
      for (let i = 0; i < 3; i++) await webhooks.send(outbound(receiver.url));

      // Assess
      expect(receiver.received).toHaveLength(3);
      expect(connections.size).toBe(1);
    });

    it("reports the 200 after a 103 Early Hints as a successful attempt", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => {
        res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
        res.end("ok");
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 200, error: null, response_body: "ok" });
      expect(isSuccessfulAttempt(result)).toBe(true);
    });

    it.each([
      ["with an Upgrade header", `${SWITCHING}connection: upgrade\r\nupgrade: websocket\r\n\r\n`],
      ["without one, then a 200", `${SWITCHING}\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok`],
    ])("reports an unrequested 101 Switching Protocols %s as invalid_response", async (_, reply) => {
      // Prepare
      const port = await startRawServer((socket) => socket.once("data", () => socket.end(reply)));

      // Act
      const result = await sender(true).send(outbound(`http://127.0.0.1:${port}/`));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "invalid_response" });
    });

    it("keeps the first 4096 bytes of a 50 MB body and drops the connection rather than read the rest", async () => {
      // Prepare: the body is written as fast as the connection takes it
      const size = 50 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, "x");
      let written = 0;
      let dropped: Promise<unknown> = Promise.resolve();
      const receiver = await startReceiver((_, res) => {
        res.writeHead(200, { "content-length": size });
        dropped = new Promise((resolve) => res.on("close", resolve));
        const pump = (): void => {
          while (written < size && !res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
        };
        pump();
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 200, error: null, response_body: "x".repeat(4096) });
      expect(result.duration_ms).toBeLessThan(timeoutMs);
      await dropped;
      expect(written).toBeLessThan(size);
    });

    it("counts a 2xx whose body never ends as that status once the time limit cuts the body", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial");
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 200, error: null, response_body: "partial" });
      expect(result.duration_ms).toBeLessThan(timeoutMs + 1000);
    });

    it("cuts a 2xx whose body keeps trickling at the time limit, and drops its connection", async () => {
      // Prepare: a byte every 20 ms, forever; each one would restart a limit on idle time
      let dropped: Promise<unknown> = Promise.resolve();
      const receiver = await startReceiver((_, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        const drip = setInterval(() => res.write("."), 20);
        dropped = new Promise((resolve) => res.on("close", resolve));
        void dropped.then(() => clearInterval(drip));
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 200, error: null });
      expect(result.response_body).toMatch(/^\.+$/);
      await dropped;
    });

    it("delivers to a healthy endpoint while 40 requests to other paths of its host hang", async () => {
      // Prepare: more hanging requests to one host than a per-host connection pool would hold
      const receiver = await startReceiver((req, res) => {
        if (!req.url?.startsWith("/hang/")) res.end("ok");
      });
      const origin = `http://127.0.0.1:${receiver.port}`;
      const webhooks = sender(true);
      const hanging = Array.from({ length: 40 }, (_, i) => webhooks.send(outbound(`${origin}/hang/${i}`)));

      // Act
      const healthy = await webhooks.send(outbound(`${origin}/hooks`));

      // Assess
      expect(healthy).toMatchObject({ status_code: 200, error: null, response_body: "ok" });
      const hung = await Promise.all(hanging);
      expect(hung.map((r) => r.error)).toEqual(Array(40).fill("timeout"));
      expect(receiver.received.filter((r) => r.url?.startsWith("/hang/"))).toHaveLength(40);
    });

    it("holds attempts beyond maxInFlight until a slot frees, and starts their time only then", async () => {
      // Prepare: two slots, both taken by requests that never answer
      let open = 0;
      let mostOpen = 0;
      const receiver = await startReceiver((req, res) => {
        open++;
        mostOpen = Math.max(mostOpen, open);
        res.on("close", () => open--);
        if (!req.url?.startsWith("/hang/")) res.end("ok");
      });
      const origin = `http://127.0.0.1:${receiver.port}`;
      const webhooks = new HttpWebhookSender({ allowPrivateAddresses: true, timeoutMs, maxInFlight: 2 });
      senders.push(webhooks);
      const hanging = [0, 1].map((i) => webhooks.send(outbound(`${origin}/hang/${i}`)));

      // Act
      const healthy = await webhooks.send(outbound(`${origin}/hooks`));

      // Assess: it waited out the hung pair (the server saw it after them), and was not timed out for it
      expect(healthy).toMatchObject({ status_code: 200, error: null });
      expect(healthy.duration_ms).toBeLessThan(timeoutMs);
      expect((await Promise.all(hanging)).map((r) => r.error)).toEqual(["timeout", "timeout"]);
      expect(receiver.received.map((r) => r.url).sort()).toEqual(["/hang/0", "/hang/1", "/hooks"]);
      expect(receiver.received.at(-1)?.url).toBe("/hooks");
      expect(mostOpen).toBeLessThanOrEqual(2);
    });

    it("reads Retry-After seconds on a 429", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => {
        res.writeHead(429, { "retry-after": "7" });
        res.end();
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: 429, error: null, retry_after_ms: 7000 });
      expect(isSuccessfulAttempt(result)).toBe(false);
    });

    it("reads a Retry-After HTTP date on a 503", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => {
        res.writeHead(503, { "retry-after": new Date(Date.now() + 120_000).toUTCString() });
        res.end();
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result.status_code).toBe(503);
      expect(result.retry_after_ms).toBeGreaterThan(115_000);
      expect(result.retry_after_ms).toBeLessThanOrEqual(120_000);
    });

    it("ignores Retry-After on statuses other than 429 and 503", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => {
        res.writeHead(500, { "retry-after": "7" });
        res.end();
      });

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result.status_code).toBe(500);
      expect(result).not.toHaveProperty("retry_after_ms");
    });

    it("cannot send a header value beyond Latin-1, so the endpoint schema must refuse one", async () => {
      // Prepare
      const receiver = await startReceiver();
      const request = outbound(receiver.url, { headers: { "x-price": "€5" } });

      // Act
      const result = await sender(true).send(request);

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "network" });
      expect(receiver.received).toEqual([]);
    });
  });

  describe("with private addresses refused", () => {
    it.each([
      ["127.0.0.1", (port: number) => `http://127.0.0.1:${port}/`],
      ["[::1]", (port: number) => `http://[::1]:${port}/`],
      ["2130706433 (127.0.0.1 as a number)", (port: number) => `http://2130706433:${port}/`],
    ])("refuses the IP literal %s without connecting", async (_, url) => {
      // Prepare
      const receiver = await startReceiver();

      // Act
      const result = await sender(false).send(outbound(url(receiver.port)));

      // Assess
      expect(result).toEqual({
        status_code: null,
        error: "forbidden_address",
        duration_ms: 0,
        response_body: "",
      });
      expect(receiver.received).toEqual([]);
    });

    it.each(HOSTILE_URLS.map((e) => [e.url, e.why] as const))(
      "refuses %s (%s) without connecting",
      async (url) => {
        // Prepare: the URL as it is, and on a listening port, so that a connection let through is seen
        const connections: Socket[] = [];
        const port = await startRawServer((socket) => connections.push(socket));
        const target = new URL(url);
        target.port = String(port);

        const guarded = sender(false, { resolveHost: testResolveHost });

        // Act
        const results = [await guarded.send(outbound(url)), await guarded.send(outbound(target.href))];

        // Assess
        for (const result of results) {
          expect(result).toMatchObject({ status_code: null, error: "forbidden_address", response_body: "" });
        }
        expect(connections).toEqual([]);
      },
    );

    it("records a host name that does not resolve as dns, not forbidden_address", async () => {
      // Act
      const result = await sender(false, { resolveHost: testResolveHost }).send(
        outbound(`https://${UNRESOLVABLE_NAME}/hooks`),
      );

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "dns" });
    });

    it("refuses a DNS name that resolves to loopback when it connects", async () => {
      // Prepare
      const receiver = await startReceiver();

      // Act
      const result = await sender(false).send(outbound(`http://localhost:${receiver.port}/`));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "forbidden_address" });
      expect(receiver.received).toEqual([]);
    });
  });
});
