/**
 * @module The API as the portal calls it: the typed client of client/api.ts (openapi-fetch over
 * docs/openapi.json), same origin, the token as `Authorization: Bearer`. `call` turns its answer
 * into a result whose refusal carries the API's own message and field details (docs/api.md,
 * Envelope), and a 401 on a token the API took before ends the session.
 */
import {
  type FieldError,
  type HooklineClient,
  hooklineClient,
  type Refusal,
  refusalOf,
  type Schemas,
} from "../../client/api";

export type { FieldError, HooklineClient, Refusal, Schemas };
export type Endpoint = Schemas["WebhookEndpoint"];
export type Delivery = Schemas["Delivery"];
export type DeliverySummary = Schemas["DeliverySummary"];
export type Attempt = Schemas["DeliveryAttempt"];
export type EventType = Schemas["TenantEventType"];

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

/** What openapi-fetch answers, whatever the route. */
interface Answer<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

const UNREACHABLE = "The API could not be reached; check your connection and try again";

/** Awaits one request of the typed client; a refusal carries the API's message and details. */
export async function settle<T>(pending: Promise<Answer<T>>): Promise<Result<T>> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch {
    return { ok: false, refusal: { status: 0, message: UNREACHABLE, details: [] } };
  }
  const { data, error, response } = answer;
  if (response.ok && data !== undefined) return { ok: true, value: data };
  return { ok: false, refusal: refusalOf(error, response) };
}

export interface Api {
  readonly client: HooklineClient;
  /** `settle`, and a 401 ends the session (`onExpired`) before the caller sees the refusal. */
  call<T>(pending: Promise<Answer<T>>): Promise<Result<T>>;
}

export function portalApi(token: string, onExpired: () => void): Api {
  const client = hooklineClient({ baseUrl: location.origin, token });
  return {
    client,
    async call(pending) {
      const result = await settle(pending);
      if (!result.ok && result.refusal.status === 401) onExpired();
      return result;
    },
  };
}

/** Every endpoint of the tenant, in one page: a tenant has at most 99 (docs/api.md). */
export const ENDPOINTS_PER_PAGE = 100;
