/**
 * @module The check a producer's event must pass at ingest (over SQS and over
 * POST /v1/events): its type is in the catalog, and its data passes the type's
 * schema, if it has one.
 */
import type { EventCatalog } from "./catalog";
import { compileDataSchema, type DataCheck } from "./data-schema";
import type { EventTypeDefinition } from "./event-type";

export type EventVerdict =
  { readonly ok: true } | { readonly ok: false; readonly field: "type" | "data"; readonly message: string };

/**
 * Checks a producer's event against the catalog: its type must be there, and its data must
 * pass the type's schema. Each schema is compiled once per version and kept.
 */
export function eventChecker(catalog: EventCatalog) {
  // Kept as the promise, so events of one type that arrive together compile its schema once.
  const compiled = new Map<string, { version: string; check: Promise<DataCheck> }>();

  function checkFor(
    definition: EventTypeDefinition & { schema: Record<string, unknown> },
  ): Promise<DataCheck> {
    const known = compiled.get(definition.type);
    if (known?.version === definition.updated_at) return known.check;
    const check = compileDataSchema(definition.schema).catch(
      // Saved schemas compiled when they were saved; one that no longer does refuses every event
      // rather than letting them through unchecked.
      (): DataCheck => () => "the type's schema no longer compiles; ask the operator to fix it",
    );
    compiled.set(definition.type, { version: definition.updated_at, check });
    return check;
  }

  return {
    async check(type: string, data: unknown): Promise<EventVerdict> {
      const definition = (await catalog.types()).find((entry) => entry.type === type);
      if (!definition) {
        return {
          ok: false,
          field: "type",
          message: `unknown event type ${type}; see GET /v1/webhooks/events`,
        };
      }
      const schema = definition.schema;
      if (!schema) return { ok: true };
      const problem = (await checkFor({ ...definition, schema }))(data);
      return problem === undefined
        ? { ok: true }
        : { ok: false, field: "data", message: `data does not match the schema of ${type}: ${problem}` };
    },
  };
}

export type EventChecker = ReturnType<typeof eventChecker>;
