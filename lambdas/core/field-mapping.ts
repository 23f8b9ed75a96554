/**
 * `field_mapping` picks and renames fields of an event's data for receivers
 * that expect their own shape: {"lead_email": "lead.email"} sends
 * {"lead_email": data.lead.email}. Paths that do not exist are left out.
 */
export type FieldMapping = Readonly<Record<string, string>>;

export const FIELD_PATH_PATTERN = /^[^.\s]+(?:\.[^.\s]+)*$/;
/** The longest dot path a field_mapping value or a filter path may be. */
export const MAX_FIELD_PATH_LENGTH = 500;

/**
 * The value at a dot path in `data`, or undefined when the path does not exist. Only own
 * properties are read (never `constructor` or `__proto__`); arrays are read by index.
 * The payload filter (./payload-filter.ts) walks paths with it too.
 */
export function valueAtPath(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function applyFieldMapping(data: unknown, mapping: FieldMapping): unknown {
  const entries = Object.entries(mapping);
  if (entries.length === 0) return data;
  const mapped: Record<string, unknown> = {};
  for (const [out, path] of entries) {
    const value = valueAtPath(data, path);
    if (value !== undefined) mapped[out] = value;
  }
  return mapped;
}
