/**
 * @module The REST-JSON protocol of @aws-sdk/client-scheduler 3.1169.0: the name in the path, the group and client
 * token in the query, the rest a JSON body, and errors as `x-amzn-ErrorType: <Type>` with `{ "Message": ... }`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SchedulerApiError, validationError } from "./errors";
import type { Json } from "./validation";

const ROUTES = [
  ["POST", "schedules", "CreateSchedule"],
  ["GET", "schedules", "GetSchedule"],
  ["DELETE", "schedules", "DeleteSchedule"],
  ["POST", "schedule-groups", "CreateScheduleGroup"],
  ["GET", "schedule-groups", "GetScheduleGroup"],
] as const;
const ROUTE_PATH = /^\/(schedules|schedule-groups)\/([^/]+)$/;

type Operation = (typeof ROUTES)[number][2];
/** Each takes the request in the SDK's input shape: the name, and the query's and the body's members. */
export type Operations = Record<Operation, (input: Json) => object>;
export type RecordedRequest = {
  operation: Operation | "Unknown";
  input: Json;
  status: number;
  errorType?: string;
};

export async function serve(operations: Operations, port: number, log: (line: string) => void) {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const recorded: RecordedRequest = { operation: "Unknown", input: {}, status: 200 };
    requests.push(recorded);
    answer(request, recorded, operations).then(
      (output) => send(response, 200, output),
      (error: unknown) => {
        const refusal = asRefusal(error);
        Object.assign(recorded, { status: refusal.status, errorType: refusal.type });
        // Only refusals are logged: a local run makes a schedule per pending retry, which would drown the log.
        log(
          `[scheduler] ${recorded.operation} ${request.method} ${request.url} -> ${refusal.status} ${refusal.type}`,
        );
        send(response, refusal.status, { Message: refusal.message }, refusal.type);
      },
    );
  });
  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(port, "127.0.0.1", resolve),
  );
  // SDK clients keep their connections alive, which close() alone would wait out.
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close };
}

async function answer(
  request: IncomingMessage,
  recorded: RecordedRequest,
  operations: Operations,
): Promise<object> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const [, collection, name = ""] = ROUTE_PATH.exec(url.pathname) ?? [];
  const operation = ROUTES.find(([method, path]) => method === request.method && path === collection)?.[2];
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk); // read even when refused, to keep the connection
  if (!operation) {
    const message = `No operation matches ${request.method} ${url.pathname}: the local Scheduler has only`;
    throw new SchedulerApiError(
      404,
      "UnknownOperationException",
      `${message} ${ROUTES.map((r) => r[2]).join(", ")}.`,
    );
  }
  recorded.operation = operation;
  // groupName is GroupName in the SDK's input.
  const query = [...url.searchParams].map(([key, value]) => [
    key.charAt(0).toUpperCase() + key.slice(1),
    value,
  ]);
  recorded.input = { Name: decodeURIComponent(name), ...Object.fromEntries(query) };
  recorded.input = { ...recorded.input, ...JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") };
  return operations[operation](recorded.input);
}

function asRefusal(error: unknown): SchedulerApiError {
  if (error instanceof SchedulerApiError) return error;
  if (error instanceof SyntaxError) return validationError("The request body is not valid JSON.");
  return new SchedulerApiError(500, "InternalServerException", String(error));
}

function send(response: ServerResponse, status: number, body: object, errorType?: string): void {
  const headers = { "Content-Type": "application/json", "x-amzn-RequestId": randomUUID() };
  response.writeHead(status, errorType ? { ...headers, "x-amzn-ErrorType": errorType } : headers);
  response.end(JSON.stringify(body));
}
