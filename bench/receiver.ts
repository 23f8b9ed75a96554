/**
 * @module The benchmark's receiver, run as its own process (bench/run.ts spawns it) so
 * that its CPU is not counted as the sender's. Two origins on 127.0.0.1:
 *  - "healthy": answers 200 {"ok":true} as soon as the body has arrived, except
 *    on paths under /hang/, which it never answers (a slow endpoint that shares
 *    a host with healthy ones);
 *  - "hang": never answers anything (a slow endpoint on a host of its own).
 * The sender's timeout ends hanging requests; the receiver just lets them go.
 * GET /__stats on the healthy origin answers this process's CPU time and the
 * number of requests answered, so a run can also report the receiver's cost.
 * It prints {"healthy":port,"hang":port} on one line and exits when stdin closes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const OK = '{"ok":true}';
let answered = 0;

const healthy = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/__stats") {
    const { user, system } = process.cpuUsage();
    res.end(JSON.stringify({ cpuUs: user + system, requests: answered }));
    return;
  }
  req.resume();
  if (req.url?.startsWith("/hang/")) return;
  req.on("end", () => {
    answered++;
    res.writeHead(200, { "content-type": "application/json", "content-length": OK.length });
    res.end(OK);
  });
});

const hang = createServer((req) => {
  req.resume();
});

async function listen(server: Server): Promise<number> {
  // Longer than the sender's 10 s keep-alive, so idle connections are closed by the client, not here.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return (server.address() as AddressInfo).port;
}

const ports = { healthy: await listen(healthy), hang: await listen(hang) };
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
