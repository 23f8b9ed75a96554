/**
 * @module What the catalog check costs at ingest, per event: the type looked
 * up in the cached catalog, and its data run through the compiled JSON Schema,
 * next to a type that has no schema. The rows join section 2's table.
 */
import { cachedCatalog } from "../lambdas/core/catalog/catalog";
import { eventChecker } from "../lambdas/core/catalog/event-check";
import { EVENT_DATA, EVENT_TYPE } from "./fixtures";
import { MemoryEventTypeStore } from "./memory-ports";

const VALIDATED_TYPE = "crm.lead.validated";

/** A schema of the shape operators write: required fields, types, formats, a pattern. */
const LEAD_SCHEMA = {
  type: "object",
  required: ["lead"],
  properties: {
    lead: {
      type: "object",
      required: ["id", "email", "name"],
      properties: {
        id: { type: "string", pattern: "^lead_[0-9A-Z]{26}$" },
        name: { type: "string", minLength: 1, maxLength: 200 },
        email: { type: "string", format: "email" },
        phone: { type: "string" },
        title: { type: "string" },
      },
    },
  },
};

/** µs of CPU per awaited call of `fn`, over `n` calls after a warm-up. */
async function asyncCpuPerCall(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < n / 10; i++) await fn();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

export async function ingestCheckRows(n: number): Promise<[string, number][]> {
  const store = new MemoryEventTypeStore();
  const at = new Date().toISOString();
  const common = { example: undefined, deprecated: false, created_at: at, updated_at: at };
  store.types.set(EVENT_TYPE, { type: EVENT_TYPE, description: "no schema", schema: null, ...common });
  store.types.set(VALIDATED_TYPE, {
    type: VALIDATED_TYPE,
    description: "a schema",
    schema: LEAD_SCHEMA,
    ...common,
  });
  const check = eventChecker(cachedCatalog(store, 60_000));
  const verdict = await check.check(VALIDATED_TYPE, EVENT_DATA);
  if (!verdict.ok) throw new Error(`the bench's event does not pass its own schema: ${verdict.message}`);
  return [
    [
      "ingest catalog check, a type without a schema",
      await asyncCpuPerCall(n, () => check.check(EVENT_TYPE, EVENT_DATA)),
    ],
    [
      "ingest catalog check, a type with a JSON Schema (ajv)",
      await asyncCpuPerCall(n, () => check.check(VALIDATED_TYPE, EVENT_DATA)),
    ],
  ];
}
