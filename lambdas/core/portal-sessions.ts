/**
 * @module Portal sessions (docs/operators-api.md, Portal sessions): the operator's backend
 * issues one so that an integrator can open the portal as one tenant, without the operator
 * handing out an API key. A session is a credential of the API-key store of its own kind:
 * hashed the same way, accepted by the same authorizer as its tenant's, expiring within an
 * hour, and never listed or revoked as a key.
 */
import * as z from "zod/mini";
import { type ApiKeyStore, issueApiKey, revokeCredential, tenantPathParameter } from "./api-keys";
import { lazySchema, parseInput } from "./validation";

/** How long a session lasts, in seconds: short, since its URL is handed to a browser. */
export const PORTAL_SESSION_TTL_SECONDS = { min: 60, max: 3600, default: 3600 } as const;

const { min, max } = PORTAL_SESSION_TTL_SECONDS;
const ttlMessage = `ttl_seconds is a whole number of seconds, ${min} to ${max}`;

/** The body of `POST /admin/v1/tenants/{tenant_id}/portal-sessions`; it may be left out. */
export const createPortalSessionSchema = lazySchema(() =>
  z.strictObject({
    ttl_seconds: z.optional(
      z.int({ message: ttlMessage }).check(z.gte(min, ttlMessage), z.lte(max, ttlMessage)),
    ),
  }),
);

/** A session as its create answers it; the token is in `url` alone, and shown only there. */
export interface PortalSessionView {
  readonly session_id: string;
  readonly tenant_id: string;
  readonly expires_at: string;
  readonly url: string;
}

export interface RevokedPortalSession {
  readonly session_id: string;
  readonly revoked: true;
}

/**
 * Where the integrator opens the portal. The token is in the fragment, which a browser never
 * sends to a server: it stays out of access logs, proxies and Referer headers.
 */
export function portalUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/portal#session=${token}`;
}

/** The operators' session routes: issue, revoke. */
export function portalSessionAdmin({
  store,
  clock = () => new Date(),
}: {
  store: ApiKeyStore;
  clock?: () => Date;
}) {
  return {
    /** `baseUrl`: the API's public base URL as the caller reached it, where the portal is served. */
    async create(rawTenant: string, body: unknown, baseUrl: string): Promise<PortalSessionView> {
      const tenantId = tenantPathParameter(rawTenant);
      const input = parseInput(createPortalSessionSchema, body, "portal session");
      const now = clock();
      const ttlSeconds = input.ttl_seconds ?? PORTAL_SESSION_TTL_SECONDS.default;
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
      const { key, record } = issueApiKey(tenantId, { kind: "portal_session", expiresAt, now });
      await store.save(record);
      return {
        session_id: record.key_id,
        tenant_id: tenantId,
        expires_at: expiresAt,
        url: portalUrl(baseUrl, key),
      };
    },

    async revoke(rawTenant: string, sessionId: string): Promise<RevokedPortalSession> {
      await revokeCredential(store, rawTenant, sessionId, "portal_session");
      return { session_id: sessionId, revoked: true };
    },
  };
}

export type PortalSessionAdmin = ReturnType<typeof portalSessionAdmin>;
