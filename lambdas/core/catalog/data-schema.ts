/**
 * @module JSON Schema (2020-12) for an event type's `data`, compiled with ajv:
 * once when the operator saves it (a schema ajv cannot compile is refused with
 * ajv's message) and once per schema version in each worker, which then runs
 * the compiled function on every event of the type.
 *
 * ajv is loaded on the first compile, not on import: it is CommonJS, so a static
 * import runs its whole initialisation at every cold start, and a function whose
 * catalog has no schema (or a catalog route that saves none) never needs it
 * (docs/performance.md, cold start).
 */
import type { Ajv2020, ErrorObject } from "ajv/dist/2020";
import { ValidationError } from "../errors";

/** The reason `data` fails the schema, or undefined when it passes. */
export type DataCheck = (data: unknown) => string | undefined;

async function newAjv(): Promise<Ajv2020> {
  const [{ Ajv2020 }, { default: addFormats }] = await Promise.all([
    import("ajv/dist/2020"),
    import("ajv-formats"),
  ]);
  // strict: false lets a schema carry annotations ajv does not know (x-*, examples in odd places);
  // the meta-schema still checks every keyword ajv does know. No remote $ref is ever fetched.
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  // Compiling the 2020-12 meta-schema (which checks every operator schema) takes ~200 ms on a cold
  // start; done here, it is not counted against the first schema the operator saves.
  ajv.getSchema("https://json-schema.org/draft/2020-12/schema");
  return ajv;
}

let shared: Promise<Ajv2020> | undefined;

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  const [first] = errors ?? [];
  if (!first) return "does not match the schema";
  return `${first.instancePath || "data"} ${first.message ?? "does not match the schema"}`;
}

/**
 * Compiles an operator's schema, or throws a ValidationError on `field` with ajv's message. What
 * bounds the cost of running one is its size (MAX_SCHEMA_BYTES, checked before this), not a
 * compile-time limit: wall-clock limits refuse good schemas on a busy machine.
 */
export async function compileDataSchema(
  schema: Readonly<Record<string, unknown>>,
  field = "schema",
): Promise<DataCheck> {
  shared ??= newAjv();
  const ajv = await shared;
  let validate: ReturnType<Ajv2020["compile"]>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    const message = `not a usable JSON Schema: ${(error as Error).message}`;
    throw new ValidationError(`invalid ${field}: ${message}`, { details: [{ field, message }] });
  } finally {
    // Compiled functions are kept by the caller; ajv's own cache would otherwise grow with every version.
    ajv.removeSchema(schema);
  }
  return (data) => (validate(data) ? undefined : describe(validate.errors));
}
