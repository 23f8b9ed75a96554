/**
 * @module The event-type catalog as the rest of the platform reads it: the
 * store port, a reader that reuses what it read for a short while (ingest runs
 * on every event; the catalog changes a few times a month), and the rule a
 * subscription must pass against it. (The event check, which needs ajv, is in
 * ./event-check.ts, so the functions that only read names do not bundle it.)
 */
import { matchesEventType, PLATFORM_EVENT_TYPES } from "../event-types";
import { noParametersSchema, parseInput } from "../validation";
import { type EventTypeDefinition, type EventTypeView, toEventTypeView } from "./event-type";

/** Persistence of the operator's catalog (a port; lambdas/adapters implements it). */
export interface EventTypeStore {
  list(): Promise<EventTypeDefinition[]>;
  get(type: string): Promise<EventTypeDefinition | undefined>;
  /** Creates or replaces; answers whether it created, and when the type was first created. */
  put(definition: EventTypeDefinition): Promise<{ created: boolean; created_at: string }>;
  /** Answers false when there was no such type. */
  remove(type: string): Promise<boolean>;
}

export interface EventCatalog {
  types(): Promise<readonly EventTypeDefinition[]>;
}

/** Reads the store at most once per `ttlMs` (0: every time); concurrent readers share one read. */
export function cachedCatalog(
  store: Pick<EventTypeStore, "list">,
  ttlMs: number,
  clock = () => Date.now(),
): EventCatalog {
  let cached: { types: Promise<EventTypeDefinition[]>; until: number } | undefined;
  return {
    types() {
      const now = clock();
      if (!cached || now >= cached.until) {
        const types = store.list();
        cached = { types, until: now + ttlMs };
        // A failed read is not kept: the next caller reads again.
        types.catch(() => {
          if (cached?.types === types) cached = undefined;
        });
      }
      return cached.types;
    },
  };
}

/** The platform's own types that endpoints may subscribe to, shown beside the operator's. */
export const PLATFORM_SUBSCRIBABLE_TYPES = [
  { type: PLATFORM_EVENT_TYPES.test, description: "A test event sent with POST /v1/webhooks/{id}/test" },
  {
    type: PLATFORM_EVENT_TYPES.disabled,
    description: "Another endpoint of the tenant was disabled after failed deliveries",
  },
] as const;

/** A pattern is subscribable when it matches a type of the catalog or one of the platform's. */
export function isSubscribable(
  pattern: string,
  types: readonly Pick<EventTypeDefinition, "type">[],
): boolean {
  const matches = (entry: { readonly type: string }) => matchesEventType(pattern, entry.type);
  return types.some(matches) || PLATFORM_SUBSCRIBABLE_TYPES.some(matches);
}

export type TenantEventTypeView = Pick<
  EventTypeView,
  "type" | "description" | "schema" | "example" | "deprecated"
>;

/** GET /v1/webhooks/events: the operator's types by name, then the platform's own that endpoints may subscribe to. */
export async function tenantCatalog(catalog: EventCatalog, query: unknown): Promise<TenantEventTypeView[]> {
  parseInput(noParametersSchema, query, "query");
  const types = [...(await catalog.types())].sort((a, b) => a.type.localeCompare(b.type));
  const operators = types.map((definition): TenantEventTypeView => {
    const { created_at: _created, updated_at: _updated, ...view } = toEventTypeView(definition);
    return view;
  });
  return [...operators, ...PLATFORM_SUBSCRIBABLE_TYPES.map((entry) => ({ ...entry, deprecated: false }))];
}
