/**
 * @module The portal function's HTTP side: the integrator portal's page and assets and the
 * OpenAPI document, each with the portal's security headers, a validator (ETag) and a
 * Cache-Control; anything else is the API's 404 envelope. Where the files come from is the
 * caller's: read from the bundle (readPortalAssets) or built in memory by the local run.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { PORTAL_FILE_NAMES, type PortalAssets, portalAssetsOf } from "../../portal/assets";
import { NotFoundError } from "../core/errors";
import { httpErrorEnvelope } from "./http-error-envelope";

/**
 * Only the page's own script, styles and API calls, no inline code, no framing and no form
 * posts: an injected string can neither run nor send a token elsewhere (docs/stack.md).
 */
const PORTAL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** On every response of the portal function, errors included. */
export const PORTAL_SECURITY_HEADERS = {
  "content-security-policy": PORTAL_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
} as const;

/**
 * The page is revalidated every time, so a deploy shows at once; the assets and the document keep
 * fixed names, so they are cached for minutes only.
 */
const CACHE_CONTROL = { page: "no-cache", asset: "public, max-age=300" } as const;

/** The files `GET /portal/{asset}` serves: the page itself is `GET /portal`. */
const PAGE = "index.html";
const ASSET_FILES: ReadonlySet<string> = new Set(PORTAL_FILE_NAMES.filter((name) => name !== PAGE));

export type LoadPortalAssets = () => Promise<PortalAssets>;

export interface PortalHttpOptions {
  /** Called at the first request, and again only after it failed. */
  readonly loadAssets: LoadPortalAssets;
  /** Served as `GET /v1/openapi.json`. */
  readonly openApiDocument: unknown;
  readonly logger: Logger;
}

interface ServedFile {
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly etag: string;
}

const etagOf = (body: string): string =>
  `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;

const served = (body: string, contentType: string, cacheControl: string): ServedFile => ({
  body,
  contentType,
  cacheControl,
  etag: etagOf(body),
});

/** The portal's files in `dir`, as lib/bundling.ts wrote them there. */
export async function readPortalAssets(dir: URL): Promise<PortalAssets> {
  const bodies = new Map(
    await Promise.all(
      PORTAL_FILE_NAMES.map(async (name) => [name, await readFile(new URL(name, dir), "utf8")] as const),
    ),
  );
  return portalAssetsOf((name) => bodies.get(name));
}

/** Adds the security headers to whatever the handler or the error envelope answered. */
function securityHeaders(): middy.MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  const withHeaders = async (request: middy.Request<unknown, APIGatewayProxyStructuredResultV2>) => {
    if (!request.response) return;
    request.response = {
      ...request.response,
      headers: { ...request.response.headers, ...PORTAL_SECURITY_HEADERS },
    };
  };
  return { after: withHeaders, onError: withHeaders };
}

function respond(file: ServedFile, ifNoneMatch: string | undefined): APIGatewayProxyStructuredResultV2 {
  const headers = { "content-type": file.contentType, "cache-control": file.cacheControl, etag: file.etag };
  const matches = ifNoneMatch
    ?.split(",")
    .some((tag) => tag.trim() === "*" || tag.trim().replace(/^W\//, "") === file.etag);
  if (matches) return { statusCode: 304, headers };
  return { statusCode: 200, headers, body: file.body };
}

/** The portal function's handler: `GET /portal`, `GET /portal/{asset}`, `GET /v1/openapi.json`. */
export function portalHttpHandler(options: PortalHttpOptions) {
  // Serialised and hashed at its first request, not at every cold start: most are the portal's.
  let openApi: ServedFile | undefined;
  const openApiFile = () =>
    (openApi ??= served(JSON.stringify(options.openApiDocument), "application/json", CACHE_CONTROL.asset));
  let files: Promise<ReadonlyMap<string, ServedFile>> | undefined;
  const portalFiles = () =>
    (files ??= options.loadAssets().then(
      (assets) =>
        new Map(
          Object.entries(assets).map(([name, { body, contentType }]) => {
            const cache = name === PAGE ? CACHE_CONTROL.page : CACHE_CONTROL.asset;
            return [name, served(body, contentType, cache)];
          }),
        ),
      (error: unknown) => {
        files = undefined;
        throw error;
      },
    ));

  async function fileFor(event: APIGatewayProxyEventV2): Promise<ServedFile> {
    switch (event.routeKey) {
      case "GET /v1/openapi.json":
        return openApiFile();
      case "GET /portal":
        return (await portalFiles()).get(PAGE) ?? notFound(PAGE);
      case "GET /portal/{asset}": {
        const name = event.pathParameters?.asset ?? "";
        const file = ASSET_FILES.has(name) ? (await portalFiles()).get(name) : undefined;
        return file ?? notFound(name);
      }
      default:
        throw new NotFoundError(`no route ${event.routeKey}`);
    }
  }

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(options.logger, { resetKeys: true }))
    .use(securityHeaders())
    .use(httpErrorEnvelope(options.logger))
    .handler(async (event) => respond(await fileFor(event), event.headers?.["if-none-match"]));
}

function notFound(name: string): never {
  throw new NotFoundError(`the portal has no file ${JSON.stringify(name)}`);
}
