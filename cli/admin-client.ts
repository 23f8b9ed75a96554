/**
 * @module
 * A small client for the operators' API (docs/operators-api.md): every request is signed with
 * SigV4 for `execute-api`, as API Gateway's IAM authorizer wants on a deployed
 * stack and as the local front door checks with the local credentials.
 */
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { LocalOutputs } from "../local/platform";
import { signableQuery } from "../local/sigv4";

/** Access keys, or a provider of them (the SDK's credential chain is one). */
export type AdminCredentials = ConstructorParameters<typeof SignatureV4>[0]["credentials"];

export interface AdminClientOptions {
  /** The AdminUrl: a stack output, or the local run's. */
  readonly baseUrl: string;
  readonly region: string;
  readonly credentials: AdminCredentials;
}

export interface AdminResponse {
  readonly status: number;
  /** The parsed body; undefined when it is not JSON. */
  readonly json: unknown;
  readonly text: string;
}

export interface AdminClient {
  readonly baseUrl: string;
  /** `path` is below the AdminUrl, e.g. `/event-types`; a defined `body` is sent as JSON. */
  request(method: string, path: string, body?: unknown): Promise<AdminResponse>;
}

export function adminClient(options: AdminClientOptions): AdminClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: "execute-api",
    sha256: Hash.bind(null, "sha256"),
  });
  return {
    baseUrl,
    async request(method, path, body) {
      const url = new URL(baseUrl + path);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query: signableQuery(url.searchParams),
        // fetch sends this same Host (url.host has the port unless it is the default).
        headers: { host: url.host, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
        body: payload,
      });
      const { host: _host, ...headers } = signed.headers;
      const res = await fetch(url, { method, headers, body: payload, redirect: "manual" });
      const text = await res.text();
      return { status: res.status, json: parseJson(text), text };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The local run's operators' API, signed with its local credentials. */
export function localAdminClient(outputs: LocalOutputs): AdminClient {
  return adminClient({
    baseUrl: outputs.AdminUrl,
    region: outputs.Region,
    credentials: { accessKeyId: outputs.LocalAccessKeyId, secretAccessKey: outputs.LocalSecretAccessKey },
  });
}

/** The region of an API Gateway URL, `https://<id>.execute-api.<region>.amazonaws.com/...`. */
export function regionFromUrl(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

export interface AwsAdminClientOptions {
  readonly baseUrl: string;
  readonly region?: string;
  /** Where AWS_REGION is read from when neither `region` nor the URL names one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The SDK's default chain (environment, shared config and SSO, container and instance roles) when undefined. */
  readonly credentials?: AdminCredentials;
}

/**
 * A deployed stack's operators' API, signed with the caller's AWS credentials.
 * The URL's region wins over AWS_REGION: a signature for another region is refused.
 */
export function awsAdminClient(options: AwsAdminClientOptions): AdminClient {
  const env = options.env ?? {};
  const region = options.region ?? regionFromUrl(options.baseUrl) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error(`no region for ${options.baseUrl}: pass --region or set AWS_REGION`);
  }
  return adminClient({
    baseUrl: options.baseUrl,
    region,
    credentials: options.credentials ?? defaultProvider(),
  });
}
