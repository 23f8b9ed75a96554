/**
 * @module
 * `npx tsx bench/latency.ts`: how long an event takes on an idle local run (`npm start`), from the
 * producer starting its send to the receiver getting the POST, over HTTP (`POST /v1/events`) and over
 * SQS. Events go one at a time, each after the last one has arrived, so every sample starts from an
 * idle platform; the first few warm up connections and lazy imports and are not counted.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { localSqs } from "../local/clients";
import { type LocalOutputs, startLocalPlatform } from "../local/platform";
import { fmt, percentile } from "./harness";

export interface Latency {
  readonly p50: number;
  readonly p99: number;
}

/** What a new user should see locally: an event at its receiver within a tenth of a second. */
export const TARGET_P50_MS = 100;
const WARM_UP_EVENTS = 3;
/** A sample that takes this long means the event is stuck, not slow. */
const ARRIVAL_TIMEOUT_MS = 10_000;

export async function measureLocalLatency(
  options: { samples?: number } = {},
): Promise<{ http: Latency; sqs: Latency }> {
  const samples = options.samples ?? 40;
  const platform = await startLocalPlatform({ port: 0, logLevel: "ERROR" });
  const receiver = await startReceiver();
  const sqs = localSqs(platform.outputs);
  try {
    const type = await createEndpoint(platform.outputs, `${receiver.url}/hook`);
    const measure = async (send: () => Promise<void>): Promise<Latency> => {
      const times: number[] = [];
      for (let i = 0; i < WARM_UP_EVENTS + samples; i++) {
        const arrival = receiver.nextRequest();
        const start = performance.now();
        await send();
        const elapsed = (await arrival) - start;
        if (i >= WARM_UP_EVENTS) times.push(elapsed);
      }
      return { p50: percentile(times, 50), p99: percentile(times, 99) };
    };
    const http = await measure(() => postEvent(platform.outputs, type));
    const overSqs = await measure(() => sendEvent(sqs, platform.outputs, type));
    return { http, sqs: overSqs };
  } finally {
    sqs.destroy();
    await receiver.close();
    await platform.stop();
  }
}

/** A producer type of the catalog, and data it accepts: its example, which passes its schema. */
interface EventKind {
  readonly type: string;
  readonly data: unknown;
}

/** An endpoint for every event of the first producer type in the catalog; returns that type. */
async function createEndpoint({ ApiUrl, ApiKey }: LocalOutputs, url: string): Promise<EventKind> {
  const catalog = (await api(ApiUrl, ApiKey, "GET", "/v1/webhooks/events", 200)) as {
    type: string;
    example?: unknown;
  }[];
  const entry = catalog.find((candidate) => !candidate.type.startsWith("webhook."));
  if (!entry) throw new Error("the event catalog has no producer type");
  const { type } = entry;
  await api(ApiUrl, ApiKey, "POST", "/v1/webhooks", 201, {
    name: "Latency bench",
    url,
    events: [type],
    verify: false,
  });
  return { type, data: entry.example ?? {} };
}

const eventOf = ({ type, data }: EventKind) => ({ type, id: `evt_${randomUUID()}`, data });

async function postEvent({ ApiUrl, ApiKey }: LocalOutputs, type: EventKind): Promise<void> {
  await api(ApiUrl, ApiKey, "POST", "/v1/events", 202, eventOf(type));
}

/** A producer's message, with its tenant as the fair-queue message group (local-aws-sqs accepts it). */
async function sendEvent(sqs: SQSClient, { EventsQueueUrl, TenantId }: LocalOutputs, type: EventKind) {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: EventsQueueUrl,
      MessageBody: JSON.stringify({ tenant_id: TenantId, ...eventOf(type) }),
      MessageGroupId: TenantId,
    }),
  );
}

async function api(
  apiUrl: string,
  key: string,
  method: string,
  path: string,
  expected: number,
  body?: unknown,
) {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { data: unknown }).data;
}

interface Receiver {
  readonly url: string;
  /** Resolves with performance.now() when the next request's headers arrive. */
  nextRequest(): Promise<number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let waiting: { arrived: (at: number) => void; timer: NodeJS.Timeout } | undefined;
  const server = createServer((req, res) => {
    const at = performance.now();
    if (waiting) clearTimeout(waiting.timer);
    waiting?.arrived(at);
    waiting = undefined;
    req.resume();
    req.on("end", () => res.end('{"ok":true}'));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    nextRequest: () =>
      new Promise<number>((arrived, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`no request reached the receiver within ${ARRIVAL_TIMEOUT_MS} ms`)),
          ARRIVAL_TIMEOUT_MS,
        );
        waiting = { arrived, timer };
      }),
    close: () =>
      new Promise<void>((ok) => {
        if (waiting) clearTimeout(waiting.timer);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await measureLocalLatency();
  for (const [channel, { p50, p99 }] of [
    ["HTTP", result.http],
    ["SQS", result.sqs],
  ] as const) {
    const verdict = p50 <= TARGET_P50_MS ? "met" : "missed";
    console.log(
      `local event-to-POST over ${channel}: p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms ` +
        `(target p50 <= ${TARGET_P50_MS} ms: ${verdict})`,
    );
  }
}
