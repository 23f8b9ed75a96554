/**
 * @module Endpoints that fail without hanging, for the isolation and outage
 * sections: an in-process receiver that answers whatever status it is set to
 * (500 during an outage, 200 once it "recovers") and keeps which webhook-ids it
 * accepted, and the origin of a port nothing listens on. The receiver runs in
 * the bench process: it only sees the few attempts made before a breaker opens,
 * and the drain after one closes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StatusServer {
  readonly origin: string;
  /** What it answers from now on. */
  status: number;
  readonly requests: number;
  /** Accepted (2xx) requests by webhook-id: a delivery accepted twice shows as a count above 1. */
  readonly accepted: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export async function startStatusServer(status: number): Promise<StatusServer> {
  let requests = 0;
  const accepted = new Map<string, number>();
  const state = { status };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      const id = req.headers["webhook-id"];
      if (state.status < 300 && typeof id === "string") accepted.set(id, (accepted.get(id) ?? 0) + 1);
      const body = state.status < 300 ? '{"ok":true}' : '{"error":"outage"}';
      res.writeHead(state.status, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    get requests() {
      return requests;
    },
    accepted,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** http://127.0.0.1:<port> of a port that was free a moment ago: connecting to it is refused. */
export async function refusingOrigin(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((ok) => server.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}

async function listen(server: Server): Promise<number> {
  // Longer than the sender's 10 s keep-alive, as in bench/receiver.ts.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return (server.address() as AddressInfo).port;
}
