/**
 * @module The API as the portal calls it: the typed client of client/api.ts (openapi-fetch over
 * docs/openapi.json), same origin, the token as `Authorization: Bearer`. `call` turns its answer
 * into a result whose refusal carries the API's own message and field details (docs/api.md,
 * Envelope), and a 401 on a token the API took before ends the session.
 */
import { errorMessage, type HooklineClient, hooklineClient, type Schemas } from "../../client/api";

export type { HooklineClient, Schemas };
export type Endpoint = Schemas["WebhookEndpoint"];
export type Delivery = Schemas["Delivery"];
export type DeliverySummary = Schemas["DeliverySummary"];
export type Attempt = Schemas["DeliveryAttempt"];
export type EventType = Schemas["TenantEventType"];

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export interface Refusal {
  /** 0 when no answer came at all. */
  readonly status: number;
  readonly message: string;
  readonly details: readonly FieldError[];
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

/** What openapi-fetch answers, whatever the route. */
interface Answer<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

const UNREACHABLE = "The API could not be reached; check your connection and try again";

function detailsOf(error: unknown): FieldError[] {
  const details = (error as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is FieldError => typeof d?.field === "string" && typeof d?.message === "string",
  );
}

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
  return {
    ok: false,
    refusal: { status: response.status, message: errorMessage(error, response), details: detailsOf(error) },
  };
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
