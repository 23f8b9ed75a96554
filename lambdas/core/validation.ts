import type { z } from "zod";
import { type ErrorDetail, ValidationError } from "./errors";

function describeIssue(issue: z.core.$ZodIssue): ErrorDetail {
  const field = issue.path.map(String).join(".") || "body";
  if (issue.code === "unrecognized_keys") {
    return { field, message: `unknown field(s): ${issue.keys.join(", ")}` };
  }
  return { field, message: issue.message };
}

/** Parses untrusted input, or throws a ValidationError naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map(describeIssue);
  const summary = details.map((d) => `${d.field}: ${d.message}`).join("; ");
  throw new ValidationError(`invalid ${what}: ${summary}`, { details });
}
