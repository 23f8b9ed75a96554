/**
 * @module The API as the portal calls it for now: same origin, `Authorization: Bearer <token>`,
 * the envelope of docs/api.md read into a result. To be replaced by the typed client generated
 * from the OpenAPI document (client/).
 */

export type ApiResult<T> =
  | { readonly ok: true; readonly data: T; readonly pagination?: { readonly total?: number } }
  | { readonly ok: false; readonly status: number; readonly message: string };

interface Envelope {
  readonly success?: boolean;
  readonly data?: unknown;
  readonly pagination?: { readonly total?: number };
  readonly error?: { readonly code?: string; readonly message?: string };
  /** API Gateway's own refusals carry only this. */
  readonly message?: string;
}

/** GETs `path` (`/v1/...`) with the token; an error carries the API's own message. */
export async function apiGet<T>(path: `/v1/${string}`, token: string): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      cache: "no-store",
    });
  } catch {
    return {
      ok: false,
      status: 0,
      message: "The API could not be reached; check your connection and try again",
    };
  }
  const body = (await response.json().catch(() => undefined)) as Envelope | undefined;
  if (response.ok && body?.success === true) {
    return { ok: true, data: body.data as T, pagination: body.pagination };
  }
  const message = body?.error?.message ?? body?.message ?? `The API answered ${response.status}`;
  return { ok: false, status: response.status, message };
}
