/**
 * @module The typed client of the operators' API: the tenant API's client (./api.ts) with a
 * fetch that signs every request with AWS Signature Version 4 for `execute-api`, as API
 * Gateway's IAM authorizer wants on a deployed stack and as the local front door checks.
 *
 *     const admin = hooklineAdminClient({ baseUrl: apiUrl, region: "us-east-1", credentials: fromEnv() });
 *     await admin.POST("/admin/v1/tenants/{tenant_id}/portal-sessions", { params: { path: { tenant_id: "acme" } } });
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { type HooklineClient, hooklineClient } from "./api";

/** Access keys, or a provider of them (the SDK's credential chain is one). */
export type AdminCredentials = ConstructorParameters<typeof SignatureV4>[0]["credentials"];

export interface SigningOptions {
  readonly region: string;
  readonly credentials: AdminCredentials;
}

/** A URL's query as SignatureV4 takes it: a repeated parameter becomes a list. */
export function signableQuery(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of search) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/** A fetch that signs each request (method, host, path, query, content-type and body) before sending it. */
export function sigV4Fetch(options: SigningOptions): (request: Request) => Promise<Response> {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: "execute-api",
    sha256: Hash.bind(null, "sha256"),
  });
  return async (request) => {
    const url = new URL(request.url);
    const body = request.body ? await request.text() : undefined;
    const contentType = request.headers.get("content-type");
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: signableQuery(url.searchParams),
      // fetch sends this same Host (url.host has the port unless it is the default).
      headers: {
        host: url.host,
        ...(body !== undefined && contentType ? { "content-type": contentType } : {}),
      },
      body,
    });
    const { host: _host, ...headers } = signed.headers;
    return fetch(url, { method: request.method, headers, body, redirect: "manual" });
  };
}

export interface AdminClientOptions extends SigningOptions {
  /** The API's URL (a stack's ApiUrl output); the operators' routes are below /admin/v1. */
  readonly baseUrl: string;
}

export function hooklineAdminClient(options: AdminClientOptions): HooklineClient {
  return hooklineClient({ baseUrl: options.baseUrl, fetch: sigV4Fetch(options) });
}
