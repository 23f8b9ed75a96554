/**
 * @module An endpoint's payload filter (docs/api.md, docs/delivery.md): `{"<dot path in data>":
 * [allowed values]}`. An event goes to the endpoint only when every path holds
 * one of its values, or, when the value there is an array, when one of its
 * elements is one of them: RD Station's `event_identifiers` names the
 * conversions a hook wants, and a contact's conversions come as a list.
 * Values are scalars compared strictly (`1` is not `"1"`); a missing path
 * never passes. The fan-out decides this on the endpoint it already read.
 */
import * as z from "zod/mini";
import { FIELD_PATH_PATTERN, MAX_FIELD_PATH_LENGTH, valueAtPath } from "./field-mapping";
import { lazySchema } from "./validation";

export type FilterValue = string | number | boolean | null;
export type PayloadFilter = Readonly<Record<string, readonly FilterValue[]>>;

export const MAX_FILTER_PATHS = 10;
export const MAX_FILTER_VALUES = 50;
export const MAX_FILTER_STRING_LENGTH = 200;

const filterValueSchema = lazySchema(() =>
  z.union(
    [
      z
        .string()
        .check(
          z.maxLength(
            MAX_FILTER_STRING_LENGTH,
            `a filter value is at most ${MAX_FILTER_STRING_LENGTH} characters`,
          ),
        ),
      z.number(),
      z.boolean(),
      z.null(),
    ],
    "a filter value is a string, number, boolean or null",
  ),
);

const allowedValuesSchema = lazySchema(() =>
  z
    .array(filterValueSchema, "a filter path takes a list of allowed values")
    .check(
      z.minLength(1, "a filter path takes at least one allowed value"),
      z.maxLength(MAX_FILTER_VALUES, `a filter path takes at most ${MAX_FILTER_VALUES} values`),
    ),
);

export const payloadFilterSchema = lazySchema(() =>
  z.record(z.string(), allowedValuesSchema, 'a filter is an object like {"lead.source": ["form"]}').check(
    z.superRefine((filter, ctx) => {
      const paths = Object.keys(filter);
      if (paths.length === 0)
        ctx.addIssue({
          code: "custom",
          message: "a filter names at least one path; send null for no filter",
        });
      if (paths.length > MAX_FILTER_PATHS)
        ctx.addIssue({ code: "custom", message: `a filter has at most ${MAX_FILTER_PATHS} paths` });
      for (const path of paths) {
        if (path.length > MAX_FIELD_PATH_LENGTH || !FIELD_PATH_PATTERN.test(path))
          ctx.addIssue({
            code: "custom",
            path: [path],
            message: `"${path}" is not a dot path like lead.email (at most ${MAX_FIELD_PATH_LENGTH} characters)`,
          });
      }
    }),
  ),
);

/** True when the event's data passes the filter; no filter (null) lets everything through. */
export function passesFilter(filter: PayloadFilter | null, data: unknown): boolean {
  if (filter === null) return true;
  return Object.entries(filter).every(([path, allowed]) => {
    // A missing path is undefined, which no allowed value (JSON has no undefined) equals.
    const value = valueAtPath(data, path);
    const isAllowed = (candidate: unknown) => allowed.some((a) => a === candidate);
    return Array.isArray(value) ? value.some(isAllowed) : isAllowed(value);
  });
}
