/**
 * @module
 * The CLI's way to the operators' API (docs/operators-api.md): the typed client of
 * client/admin.ts, which signs every request with SigV4 for `execute-api`, pointed at the local
 * run (its local credentials) or at a deployed stack (the caller's AWS credentials).
 */
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { type AdminCredentials, hooklineAdminClient, type SigningOptions } from "../client/admin";
import type { HooklineClient } from "../client/api";
import { ADMIN_BASE_PATH } from "../lambdas/functions";
import type { LocalOutputs } from "../local/platform";

/** The API could not be reached at all (DNS, connection refused, TLS): there is no answer to show. */
export class AdminUnreachableError extends Error {
  override readonly name = "AdminUnreachableError";
}

/**
 * The typed client over the API's URL, whose operators' routes are its `/admin/v1/...` paths.
 * `url` is a stack's AdminUrl output (`https://.../admin/v1`), as the CLI has always taken, or its ApiUrl.
 */
function signedClient(url: string, signing: SigningOptions): HooklineClient {
  const trimmed = url.replace(/\/+$/, "");
  const apiUrl = trimmed.endsWith(ADMIN_BASE_PATH) ? trimmed.slice(0, -ADMIN_BASE_PATH.length) : trimmed;
  const adminUrl = apiUrl + ADMIN_BASE_PATH;
  const api = hooklineAdminClient({ baseUrl: apiUrl, ...signing });
  api.use({
    onError({ error }) {
      const { cause } = error as { cause?: { code?: string; message?: string } };
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      return new AdminUnreachableError(`could not reach ${adminUrl} (${reason})`, { cause: error });
    },
  });
  return api;
}

/** The region and credentials the local run's front door takes signatures with. */
export function localSigning(outputs: LocalOutputs): SigningOptions {
  return {
    region: outputs.Region,
    credentials: { accessKeyId: outputs.LocalAccessKeyId, secretAccessKey: outputs.LocalSecretAccessKey },
  };
}

/** The local run's operators' API, signed with its local credentials. */
export function localAdminClient(outputs: LocalOutputs): HooklineClient {
  return signedClient(outputs.ApiUrl, localSigning(outputs));
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
  /** A stack's AdminUrl output, or its ApiUrl. */
  readonly url: string;
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
export function awsAdminClient(options: AwsAdminClientOptions): HooklineClient {
  if (!URL.canParse(options.url))
    throw new Error(`${options.url} is not a URL: pass the stack's AdminUrl output`);
  const env = options.env ?? {};
  const region = options.region ?? regionFromUrl(options.url) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error(`no region for ${options.url}: pass --region or set AWS_REGION`);
  }
  return signedClient(options.url, { region, credentials: options.credentials ?? defaultProvider() });
}
