import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from "node:http";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { UndiciWebhookSender } from "../../../lambdas/adapters/undici-webhook-sender";
import { generateSecret } from "../../../lambdas/core/signing";
import { buildWebhookRequest, type OutboundRequest } from "../../../lambdas/core/webhook-request";
import { isSuccessfulAttempt } from "../../../lambdas/core/webhook-sender";

const timeoutMs = 500;

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
const senders: UndiciWebhookSender[] = [];

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

function sender(allowPrivateAddresses: boolean): UndiciWebhookSender {
  const created = new UndiciWebhookSender({ allowPrivateAddresses, timeoutMs });
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
    url,
    headers: { "content-type": "application/json", "x-webhook-event": "crm.lead.created" },
    body: '{"id":"evt_1","type":"crm.lead.created","created_at":"2026-02-15T10:30:00.000Z","data":{}}',
    ...overrides,
  };
}

describe("UndiciWebhookSender", () => {
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

    it("gives up on a receiver that never answers with a timeout, close to the time limit", async () => {
      // Prepare
      const receiver = await startReceiver(() => {});

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "timeout", response_body: "" });
      expect(result.duration_ms).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(result.duration_ms).toBeLessThan(timeoutMs + 1000);
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

    it("reports a reply that is not HTTP as invalid_response", async () => {
      // Prepare
      const port = await startRawServer((socket) => socket.once("data", () => socket.end("hello\r\n\r\n")));

      // Act
      const result = await sender(true).send(outbound(`http://127.0.0.1:${port}/`));

      // Assess
      expect(result).toMatchObject({ status_code: null, error: "invalid_response" });
    });

    it("keeps only the first 4096 bytes of a 10 KB response body", async () => {
      // Prepare
      const receiver = await startReceiver((_, res) => res.end("x".repeat(10 * 1024)));

      // Act
      const result = await sender(true).send(outbound(receiver.url));

      // Assess
      expect(result.status_code).toBe(200);
      expect(result.response_body).toBe("x".repeat(4096));
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
      const hanging = Array.from({ length: 40 }, (_, i) =>
        webhooks.send(outbound(`${origin}/hang/${i}`)),
      );

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
      const webhooks = new UndiciWebhookSender({ allowPrivateAddresses: true, timeoutMs, maxInFlight: 2 });
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
