/**
 * @module The delivery log (docs/api.md): an endpoint's deliveries newest first, a page at a
 * time, and one delivery with every attempt. The log expires by TTL.
 */
import * as z from "zod/mini";
import {
  DELIVERY_ID_PATTERN,
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryStatus,
  type DeliverySummaryView,
  type DeliveryView,
  toDeliveryView,
  toSummaryView,
} from "./model";
import type { DeliveryLog, DeliveryStore } from "./ports";
import { NotFoundError, ValidationError } from "../errors";
import { lazySchema, parseInput } from "../validation";
import { findEndpoint } from "../webhook-queries";
import type { WebhookEndpoint } from "../webhook-endpoint";
import type { WebhookStore } from "../webhook-store";

export interface CursorPage<T> {
  readonly items: readonly T[];
  readonly pagination: { limit: number; next_cursor: string | null };
}

export const listDeliveriesQuerySchema = lazySchema(() =>
  z.strictObject({
    status: z.optional(
      z.pipe(
        z
          .pipe(
            z.string(),
            z.transform((value) => [...new Set(value.split(","))]),
          )
          .check(
            z.refine(
              (statuses) => statuses.every((s) => (DELIVERY_STATUSES as readonly string[]).includes(s)),
              `status is one or more of ${DELIVERY_STATUSES.join(", ")}, separated by commas`,
            ),
          ),
        z.transform((statuses) => statuses as DeliveryStatus[]),
      ),
    ),
    cursor: z.optional(z.string().check(z.maxLength(200, "cursor is not one this API gave out"))),
    limit: z._default(
      z.coerce.number().check(z.int(), z.gte(1, "limit is at least 1"), z.lte(100, "limit is at most 100")),
      20,
    ),
  }),
);

// A cursor is the position after the last delivery of a page. It is opaque to clients, and
// anything but one this API made is refused: it never reaches the database.
const cursorSchema = lazySchema(() =>
  z.strictObject({ before: z.string().check(z.regex(DELIVERY_ID_PATTERN)) }),
);

export function encodeCursor(deliveryId: string): string {
  return Buffer.from(JSON.stringify({ before: deliveryId })).toString("base64url");
}

export function decodeCursor(cursor: string): string {
  const invalid = () =>
    new ValidationError("invalid cursor: pass next_cursor from the previous page unchanged", {
      details: [{ field: "cursor", message: "not a cursor this API gave out" }],
    });
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success || encodeCursor(parsed.data.before) !== cursor) throw invalid();
  return parsed.data.before;
}

/** The tenant's delivery, or 404: a malformed id, another endpoint's or another tenant's is not found. */
export async function findDelivery(
  store: Pick<DeliveryStore, "getDelivery">,
  endpointId: string,
  tenantId: string,
  rawId: string,
): Promise<Delivery> {
  const delivery = DELIVERY_ID_PATTERN.test(rawId) ? await store.getDelivery(endpointId, rawId) : undefined;
  if (!delivery || delivery.tenant_id !== tenantId) throw new NotFoundError(`no delivery ${rawId}`);
  return delivery;
}

export interface DeliveryLogDeps {
  readonly endpoints: WebhookStore;
  readonly deliveries: DeliveryLog & Pick<DeliveryStore, "getDelivery">;
}

export function deliveryLog({ endpoints, deliveries }: DeliveryLogDeps) {
  return {
    async list(
      tenantId: string,
      webhookId: string,
      query: unknown,
    ): Promise<CursorPage<DeliverySummaryView>> {
      const { status, cursor, limit } = parseInput(listDeliveriesQuerySchema, query, "query");
      const before = cursor === undefined ? undefined : decodeCursor(cursor);
      const endpoint = await findEndpoint(endpoints, tenantId, webhookId);
      const page = await deliveries.listDeliveries(endpoint.id, {
        limit,
        ...(before ? { before } : {}),
        ...(status ? { statuses: status } : {}),
      });
      return {
        items: page.items.map((d) => toSummaryView(withProbeTime(d, endpoint))),
        pagination: {
          limit,
          next_cursor: page.continueAfter === undefined ? null : encodeCursor(page.continueAfter),
        },
      };
    },

    async get(tenantId: string, webhookId: string, deliveryId: string): Promise<DeliveryView> {
      const endpoint = await findEndpoint(endpoints, tenantId, webhookId);
      return toDeliveryView(
        withProbeTime(await findDelivery(deliveries, endpoint.id, tenantId, deliveryId), endpoint),
      );
    },
  };
}

/**
 * A parked delivery is next attempted when its endpoint's breaker next probes (docs/delivery.md). The
 * endpoint, read anyway, says when that is now: each probe moves it on without rewriting
 * every parked delivery.
 */
function withProbeTime<T extends Pick<Delivery, "status" | "next_attempt_at">>(
  d: T,
  endpoint: WebhookEndpoint,
): T {
  return d.status === "parked" ? { ...d, next_attempt_at: endpoint.health.next_probe_at } : d;
}
