import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from "aws-lambda";
import { ForbiddenError, UnauthorizedError, ValidationError } from "../core/errors";
import { TransportError } from "./http-error-envelope";

/** What the authorizer (lambdas/handlers/api-authorizer.ts) hands to every route. */
export interface AuthorizerContext {
  /** Empty when the key was not recognised: the route answers 401 in the API's own envelope. */
  readonly tenantId: string;
}

/** What API Gateway's IAM authorizer puts in the request context of an operator's route. */
export interface IamIdentity {
  readonly accessKey?: string;
  readonly userArn?: string;
}

export type ApiGatewayEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext> & {
  readonly requestContext: { readonly authorizer?: { readonly iam?: IamIdentity } };
};

/** Who a route serves: a tenant (its API key) or the operator (an IAM identity). */
export type Caller = "tenant" | "operator";

/** A request as the use cases see it: no API Gateway types past this point. */
export interface ApiRequest {
  readonly routeKey: string;
  /** The API key's tenant; empty on the operator's routes, which act for no tenant of their own. */
  readonly tenantId: string;
  /** On the operator's routes: the IAM principal that signed the request. */
  readonly operator?: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The API's public base URL as the caller reached it (a portal session's URL starts with it). */
  readonly baseUrl: string;
  /** The parsed JSON body; a 4xx error when it is missing, too large or not a JSON object. */
  json(): unknown;
  /** The same, for routes whose body is optional: no body at all reads as `{}`. */
  optionalJson(): unknown;
}

export function toApiRequest(
  event: ApiGatewayEvent,
  maxBodyBytes: number,
  caller: Caller = "tenant",
): ApiRequest {
  let tenantId = "";
  let operator: string | undefined;
  if (caller === "operator") {
    // API Gateway lets no unsigned request through to these routes; this holds if a route is ever misconfigured.
    const iam = event.requestContext.authorizer?.iam;
    if (!iam)
      throw new ForbiddenError("the operators' API needs a request signed with AWS credentials (SigV4)");
    operator = iam.userArn ?? iam.accessKey ?? "unknown";
  } else {
    tenantId = event.requestContext.authorizer?.lambda?.tenantId ?? "";
    if (!tenantId)
      throw new UnauthorizedError(
        "missing or invalid API key or portal session; send Authorization: Bearer <key>",
      );
  }
  return {
    routeKey: event.routeKey,
    tenantId,
    operator,
    pathParameters: definedValues(event.pathParameters),
    query: definedValues(event.queryStringParameters),
    baseUrl: publicBaseUrl(event.headers["x-forwarded-proto"], event.requestContext.domainName),
    json: () => parseJsonBody(event, maxBodyBytes),
    optionalJson: () => (event.body ? parseJsonBody(event, maxBodyBytes) : {}),
  };
}

function definedValues(record: Record<string, string | undefined> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

function parseJsonBody(event: ApiGatewayEvent, maxBodyBytes: number): unknown {
  const contentType = event.headers["content-type"];
  if (contentType && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new TransportError(
      "unsupported_media_type",
      `content-type must be application/json, not ${contentType}`,
    );
  }
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > maxBodyBytes) {
    throw new TransportError(
      "payload_too_large",
      `the request body is ${bytes.length} bytes; at most ${maxBodyBytes}`,
    );
  }
  if (bytes.length === 0) throw new ValidationError("the request body is empty; send a JSON object");
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new ValidationError(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ValidationError("the request body must be a JSON object");
  }
  return parsed;
}

/**
 * The API's public base URL, from what API Gateway says of the request: the protocol the
 * client used (`x-forwarded-proto`: https unless it says http) and the host it called.
 */
export function publicBaseUrl(forwardedProto: string | undefined, domainName: string): string {
  // Behind more than one proxy the header is a list; the first is what the client used.
  const proto = forwardedProto?.split(",")[0]?.trim().toLowerCase() === "http" ? "http" : "https";
  return `${proto}://${domainName}`;
}
