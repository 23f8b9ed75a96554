/**
 * @module The typed client of the tenant API: openapi-fetch over the types openapi-typescript
 * generated from docs/openapi.json (client/api-types.ts), so every path, parameter, body and
 * answer is checked by the compiler. Runs in Node and in browsers (the portal uses it).
 *
 *     const api = hooklineClient({ baseUrl: "http://127.0.0.1:3000", token: process.env.HOOKLINE_KEY });
 *     const { data, error } = await api.GET("/v1/webhooks/{id}", { params: { path: { id } } });
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./api-types";

export type { components, paths } from "./api-types";
export type HooklineClient = Client<paths>;
export type Schemas = components["schemas"];

export interface HooklineClientOptions {
  /** The API's URL: a stack's ApiUrl output, or the local run's. */
  readonly baseUrl: string;
  /** A tenant's API key (`hk_...`) or portal session (`hps_...`), sent as a bearer token. */
  readonly token?: string;
  /** Another fetch (a signing one for the operators' API: client/admin.ts). */
  readonly fetch?: ClientOptions["fetch"];
}

export function hooklineClient(options: HooklineClientOptions): HooklineClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** What the API refused a request with, read from its envelope (docs/api.md, Envelope). */
export interface Refusal {
  /** 0 when no answer came at all. */
  readonly status: number;
  readonly message: string;
  /** The envelope's `error.code`; absent in API Gateway's own refusals. */
  readonly code?: string;
  readonly details: readonly FieldError[];
}

const isFieldError = (detail: unknown): detail is FieldError =>
  typeof (detail as FieldError | null)?.field === "string" &&
  typeof (detail as FieldError | null)?.message === "string";

export function refusalOf(error: unknown, response: Response): Refusal {
  const envelope = (error as { error?: { code?: unknown; details?: unknown } } | undefined)?.error;
  return {
    status: response.status,
    message: errorMessage(error, response),
    ...(typeof envelope?.code === "string" ? { code: envelope.code } : {}),
    details: Array.isArray(envelope?.details) ? envelope.details.filter(isFieldError) : [],
  };
}

/** The API's refusal as one line: its message, or the status when the answer was not the envelope. */
export function errorMessage(error: unknown, response: Response): string {
  const message = (error as { error?: { message?: unknown } } | undefined)?.error?.message;
  if (typeof message === "string") return message;
  // API Gateway's own refusals (no key, throttling, IAM) are {"message": ...}.
  const gateway = (error as { message?: unknown } | undefined)?.message;
  return typeof gateway === "string" ? gateway : `the API answered ${response.status}`;
}
