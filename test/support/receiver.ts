import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { waitFor } from "../../local/wait-for";

/** A real HTTP receiver on 127.0.0.1 that records what it gets and answers as told. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- receivers get arbitrary JSON
  readonly json: any;
  readonly time: number;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Answer after this long; a test's hanging receiver. */
  readonly delayMs?: number;
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Resolves with the requests once there are at least `count` (matching `filter`). */
  waitForRequests(
    count: number,
    filter?: (r: ReceivedRequest) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  behave: (request: ReceivedRequest, n: number) => Reply = () => ({}),
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const received = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        raw,
        json,
        time: Date.now(),
      };
      requests.push(received);
      const reply = behave(received, requests.length);
      const answer = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(reply.body ?? '{"ok":true}');
      };
      const timer = setTimeout(answer, reply.delayMs ?? 0);
      timers.add(timer);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitForRequests(count, filter = () => true, timeoutMs = 15_000) {
      const matching = () => requests.filter(filter);
      const arrived = await waitFor(() => matching().length >= count, { timeoutMs });
      if (!arrived)
        throw new Error(`expected ${count} request(s), got ${matching().length} within ${timeoutMs} ms`);
      return matching();
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** The receivers one test file starts, closed together when it ends. */
export function receiverPool() {
  const started: Receiver[] = [];
  return {
    async start(behave?: (request: ReceivedRequest, n: number) => Reply): Promise<Receiver> {
      const receiver = await startReceiver(behave);
      started.push(receiver);
      return receiver;
    },
    closeAll: async () => {
      await Promise.all(started.map((r) => r.close()));
    },
  };
}
