import * as z from "zod/mini";
import { en } from "zod/locales";
import { type ErrorDetail, ValidationError } from "./errors";

// zod/mini loads no locale of its own (classic zod sets English on first use); without this
// every issue's message would be "Invalid input". Every schema module imports this one.
z.config(en());

/** The field name of an issue with the input as a whole (a missing field set, an unknown key). */
const WHOLE_INPUT = "body";

function describeIssue(issue: z.core.$ZodIssue): ErrorDetail {
  const field = issue.path.map(String).join(".") || WHOLE_INPUT;
  if (issue.code === "unrecognized_keys") {
    return { field, message: `unknown field(s): ${issue.keys.join(", ")}` };
  }
  return { field, message: issue.message };
}

/** Parses untrusted input, or throws a ValidationError naming each bad field. */
export function parseInput<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map(describeIssue);
  const summary = details
    .map((d) => (d.field === WHOLE_INPUT ? d.message : `${d.field}: ${d.message}`))
    .join("; ");
  throw new ValidationError(`invalid ${what}: ${summary}`, { details });
}

/**
 * A schema built when it first parses, not when its module is evaluated. zod builds a schema
 * node by node, and a bundle evaluates every module it holds: built at module level, each
 * function's cold start paid for all the platform's schemas, most of which it never parses
 * with (the delivery worker 1.61x its SDK-only baseline, 1.32x without them; docs/performance.md,
 * section 7). Only a small wrapper is made at import.
 */
export function lazySchema<T extends z.ZodMiniType>(build: () => T): z.ZodMiniLazy<T> {
  return z.lazy(build);
}

/** Text with its surrounding spaces trimmed off, then 1 to `max` characters; messages name `field`. */
export const trimmedText = (field: string, max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1, `${field} must not be empty`),
      z.maxLength(max, `${field} is at most ${max} characters`),
    );

/** For routes that take no parameters: a body, if one is sent, must be an empty object. */
export const noParametersSchema = lazySchema(() => z.strictObject({}));

/** A path parameter, parsed so that a refusal names it (`type`, `tenant_id`) instead of `body`. */
export function parsePathParameter<S extends z.ZodMiniType>(
  schema: S,
  name: string,
  value: string,
): z.output<S> {
  return parseInput(z.object({ [name]: schema }), { [name]: value }, name)[name] as z.output<S>;
}
