/**
 * @module The local stand-in for API Gateway's HTTP API: matches a route the way API
 * Gateway does (a literal segment beats a {parameter}), authorizes it as the
 * route says (the Lambda authorizer, its result cached per Authorization header,
 * or IAM: a SigV4 signature made with the local operator's key, docs/operators-api.md, or not
 * at all on a public route), hands the route's handler a payload-2.0 event and writes back
 * what it returns.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from "aws-lambda";
import type { ApiRoute } from "../lambdas/functions";
import {
  type SignedRequest,
  type SigV4Credentials,
  SignatureVerificationError,
  sigV4Verifier,
} from "./sigv4";

type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>;
export type Authorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: Context,
) => Promise<AuthorizerResult>;

/** `requestContext.authorizer` as API Gateway gives it to a Lambda-authorized or an IAM-authorized route. */
type RouteAuthorizerContext =
  | { readonly lambda: Record<string, unknown> }
  | {
      readonly iam: {
        readonly accessKey: string;
        readonly accountId: string;
        readonly callerId: string;
        readonly principalOrgId: null;
        readonly userArn: string;
        readonly userId: string;
        readonly cognitoIdentity: null;
      };
    };
/** A public route's event has no authorizer context, as on API Gateway. */
export type RouteFunction = (
  event: APIGatewayProxyEventV2WithRequestContext<
    APIGatewayEventRequestContextV2 & { readonly authorizer?: RouteAuthorizerContext }
  >,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;

/** The IAM identity whose key signs for the IAM routes in the local run. */
export interface LocalOperator {
  readonly credentials: SigV4Credentials;
  readonly region: string;
  readonly accountId: string;
  readonly userArn: string;
  /** The IAM user's unique id, which API Gateway reports as both userId and callerId. */
  readonly userId: string;
}

export interface FrontDoorOptions {
  readonly port: number;
  readonly routes: readonly ApiRoute[];
  readonly functions: Readonly<Record<string, RouteFunction>>;
  readonly authorizer: Authorizer;
  readonly authorizerCacheTtlMs: number;
  readonly operator: LocalOperator;
  readonly context: (functionName: string) => Context;
}

export interface FrontDoor {
  readonly url: string;
  close(): Promise<void>;
}

// API Gateway HTTP APIs accept request bodies up to 10 MB.
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * A route's authorizer context (none on a public route), or why the request is refused before
 * the route runs.
 */
type Authorization =
  | { readonly context?: RouteAuthorizerContext }
  | { readonly refused: { readonly status: number; readonly code: string; readonly message: string } };
const refused = (status: number, code: string, message: string): Authorization => ({
  refused: { status, code, message },
});

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly pattern: RegExp;
  readonly parameters: readonly string[];
}

function compile(route: ApiRoute): CompiledRoute {
  const parameters: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      parameters.push(param[1]);
      return "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}$`), parameters };
}

function envelope(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ success: false, error: { code, message } }));
}

/**
 * The body, or undefined once it passes MAX_PAYLOAD_BYTES. Reading then stops: the rest is not
 * read, and the answer closes the connection (API Gateway does the same), so that what is left
 * of the body is never taken for the client's next request.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) return void chunks.push(chunk);
      req.off("data", onData).pause();
      resolve(undefined);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

function singleValued(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

function queryParameters(search: URLSearchParams): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, value] of search) out[name] = name in out ? `${out[name]},${value}` : value;
  return Object.keys(out).length ? out : undefined;
}

const TEXT_TYPES = /^(?:text\/|application\/(?:[\w.+-]+\+)?(?:json|xml|javascript|x-www-form-urlencoded))/i;

export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  // Literal routes first, so GET /v1/webhooks/events is not taken for GET /v1/webhooks/{id}.
  const compiled = options.routes.map(compile).sort((a, b) => a.parameters.length - b.parameters.length);
  const authorizations = new Map<string, { result: AuthorizerResult; expires: number }>();
  const { operator } = options;
  const verifySignature = sigV4Verifier({
    credentials: operator.credentials,
    region: operator.region,
    service: "execute-api",
  });

  async function authorizeTenant(event: APIGatewayRequestAuthorizerEventV2): Promise<Authorization> {
    // As on AWS, a request without the identity source never reaches the authorizer.
    const identity = event.identitySource[0];
    if (!identity) return refused(401, "unauthorized", "missing API key; send Authorization: Bearer <key>");
    let cached = authorizations.get(identity);
    if (!cached || cached.expires <= Date.now()) {
      const result = await options.authorizer(event, options.context("apiAuthorizer"));
      cached = { result, expires: Date.now() + options.authorizerCacheTtlMs };
      if (options.authorizerCacheTtlMs > 0) authorizations.set(identity, cached);
    }
    if (!cached.result.isAuthorized) return refused(403, "forbidden", "Forbidden");
    return { context: { lambda: cached.result.context ?? {} } };
  }

  async function authorizeOperator(request: SignedRequest): Promise<Authorization> {
    try {
      const { accessKeyId } = await verifySignature(request);
      const { accountId, userArn, userId } = operator;
      return {
        context: {
          iam: {
            accessKey: accessKeyId,
            accountId,
            callerId: userId,
            principalOrgId: null,
            userArn,
            userId,
            cognitoIdentity: null,
          },
        },
      };
    } catch (error) {
      if (!(error instanceof SignatureVerificationError)) throw error;
      return refused(403, "forbidden", error.message);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const onPath = compiled.filter((c) => c.pattern.test(url.pathname));
    const match = onPath.find((c) => c.route.method === method);
    if (!match) {
      if (onPath.length)
        return envelope(res, 405, "method_not_allowed", `${method} is not allowed on ${url.pathname}`);
      return envelope(res, 404, "not_found", `no route for ${method} ${url.pathname}`);
    }
    const body = await readBody(req);
    if (!body)
      return envelope(res, 413, "payload_too_large", "the request body is over 10 MB", {
        connection: "close",
      });

    const received = singleValued(req.headers);
    const sourceIp = req.socket.remoteAddress ?? "127.0.0.1";
    // What API Gateway adds to every request: the client's address, and the protocol and port it called.
    const headers: Record<string, string> = {
      ...received,
      "x-forwarded-for": received["x-forwarded-for"]
        ? `${received["x-forwarded-for"]}, ${sourceIp}`
        : sourceIp,
      "x-forwarded-port": String(req.socket.localPort),
      "x-forwarded-proto": "http",
    };
    const routeKey = `${method} ${match.route.path}`;
    const values = match.pattern.exec(url.pathname)?.slice(1) ?? [];
    const pathParameters = Object.fromEntries(
      match.parameters.map((name, i) => [name, decodeURIComponent(values[i] ?? "")]),
    );
    const now = new Date();
    const requestContext = {
      accountId: "123456789012",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    };
    const common = {
      version: "2.0" as const,
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: queryParameters(url.searchParams),
      ...(match.parameters.length ? { pathParameters } : {}),
    };

    // Each kind of route its own authorizer, as the stack gives them (lib/management-api.ts).
    const authorizers: Record<ApiRoute["auth"], () => Promise<Authorization>> = {
      // No authorizer, as on API Gateway: an Authorization header is not even read.
      public: async () => ({}),
      // The signature covers the request as the client sent it, before the headers added above.
      iam: () =>
        authorizeOperator({ method, path: url.pathname, query: url.searchParams, headers: received, body }),
      apiKey: () =>
        authorizeTenant({
          ...common,
          type: "REQUEST",
          routeArn: `arn:aws:execute-api:us-east-1:123456789012:local/$default/${method}${match.route.path}`,
          identitySource: headers.authorization ? [headers.authorization] : [],
          cookies: [],
          requestContext,
        } as APIGatewayRequestAuthorizerEventV2),
    };
    const authorization = await authorizers[match.route.auth]();
    if ("refused" in authorization) {
      const { status, code, message } = authorization.refused;
      return envelope(res, status, code, message);
    }

    const isText = !headers["content-type"] || TEXT_TYPES.test(headers["content-type"]);
    const event = {
      ...common,
      body: body.length ? (isText ? body.toString("utf8") : body.toString("base64")) : undefined,
      isBase64Encoded: body.length > 0 && !isText,
      requestContext: {
        ...requestContext,
        ...(authorization.context ? { authorizer: authorization.context } : {}),
      },
    };
    const fn = options.functions[match.route.function];
    if (!fn) return envelope(res, 500, "internal_error", `no function ${match.route.function}`);
    const result = await fn(event, options.context(match.route.function));
    if (!result || typeof result.statusCode !== "number") {
      return envelope(res, 500, "internal_error", "Internal Server Error");
    }
    res.writeHead(result.statusCode, {
      "content-type": "application/json",
      ...(result.headers as Record<string, string>),
    });
    res.end(result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : (result.body ?? ""));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("front door: the handler failed", error);
      if (!res.headersSent) envelope(res, 500, "internal_error", "Internal Server Error");
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
