/**
 * @module What every DynamoDB adapter does alike: a conditional write whose
 * failed condition is an answer rather than an error, and reading a stored
 * item's fields one by one instead of casting it.
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

/** A string attribute the item must have; `what` names the item in the error. */
export function requiredText(item: StoredItem, name: string, what: string): string {
  const value = item[name];
  if (typeof value !== "string") throw new Error(`stored ${what} has no ${name}`);
  return value;
}

export function optionalText(item: StoredItem, name: string): string | null {
  const value = item[name];
  return typeof value === "string" ? value : null;
}
