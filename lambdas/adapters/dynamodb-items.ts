/**
 * @module What every DynamoDB adapter does alike: a conditional write whose
 * failed condition is an answer rather than an error, and reading a stored
 * item's fields one by one instead of casting it. A field missing or of the
 * wrong kind fails the read with an error naming the item and the field, so a
 * malformed item does not flow on as a value it is not.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

export type StoredItem = Record<string, unknown>;

/** Runs a conditional write: true when it was written, false when its condition failed. */
export async function writtenIf(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** What a stored value is, for an error: its kind, never its content. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary";
  if (typeof value === "object") return "a map";
  return `a ${typeof value}`;
}

function malformed(what: string, name: string, value: unknown, expected: string): Error {
  if (value === undefined) return new Error(`stored ${what} has no ${name}`);
  return new Error(`stored ${what} has ${name} as ${kindOf(value)}, not ${expected}`);
}

/** A string attribute the item must have; `what` names the item in the error. */
export function requiredText(item: StoredItem, name: string, what: string): string {
  const value = item[name];
  if (typeof value !== "string") throw malformed(what, name, value, "text");
  return value;
}

/** A string attribute that may be absent or null (both read as null); any other kind is an error. */
export function optionalText(item: StoredItem, name: string, what = "item"): string | null {
  const value = item[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw malformed(what, name, value, "text");
  return value;
}

/** A number attribute the item must have. */
export function requiredNumber(item: StoredItem, name: string, what: string): number {
  const value = item[name];
  if (typeof value !== "number" || !Number.isFinite(value)) throw malformed(what, name, value, "a number");
  return value;
}

/** A number attribute that may be absent or null (both read as null); any other kind is an error. */
export function optionalNumber(item: StoredItem, name: string, what: string): number | null {
  const value = item[name];
  if (value === undefined || value === null) return null;
  return requiredNumber(item, name, what);
}

/** A string attribute that must be one of `allowed`. */
export function requiredChoice<T extends string>(
  item: StoredItem,
  name: string,
  allowed: readonly T[],
  what: string,
): T {
  const value = requiredText(item, name, what);
  const choice = allowed.find((a) => a === value);
  if (choice === undefined)
    throw new Error(`stored ${what} has ${name} "${value}", not one of ${allowed.join(", ")}`);
  return choice;
}

/** Like requiredChoice, but absent or null reads as null. */
export function optionalChoice<T extends string>(
  item: StoredItem,
  name: string,
  allowed: readonly T[],
  what: string,
): T | null {
  return optionalText(item, name, what) === null ? null : requiredChoice(item, name, allowed, what);
}

/** A list attribute of maps (a delivery's attempts), each to be read as an item of its own. */
export function requiredMaps(item: StoredItem, name: string, what: string): StoredItem[] {
  const value = item[name];
  if (!Array.isArray(value)) throw malformed(what, name, value, "a list");
  return value.map((element: unknown, i) => {
    if (!isMap(element)) throw malformed(what, `${name}[${i}]`, element, "a map");
    return element;
  });
}

/** A DynamoDB map, as the document client reads it back (not a list, a set, or binary). */
function isMap(value: unknown): value is StoredItem {
  if (typeof value !== "object" || value === null) return false;
  return !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Set);
}
