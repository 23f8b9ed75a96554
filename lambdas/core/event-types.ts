/**
 * @module Event-type names and subscription patterns. A pattern is an exact
 * type, `*` (everything) or `prefix.*` (every type under that prefix); types
 * match case-sensitively. The operator's catalog itself is in ./catalog/.
 */

/** Types the platform itself emits; producers may not send them. */
export const PLATFORM_EVENT_TYPES = {
  test: "webhook.test",
  verification: "webhook.verification",
  disabled: "webhook.disabled",
} as const;

export const MAX_EVENT_TYPE_LENGTH = 128;
/** An event type's name: letters, digits and `_` in dot-separated segments, case kept as given. */
export const EVENT_TYPE_NAME = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/;

const PLATFORM_NAMESPACE = "webhook.";
const platformTypes = new Set<string>(Object.values(PLATFORM_EVENT_TYPES));

/**
 * The platform's own: every lowercase `webhook.` name (the platform may add more), and the
 * platform's types in any case, so `Webhook.Test` is never taken for `webhook.test`. Other
 * spellings of the segment are the operator's: RD Station's `WEBHOOK.CONVERTED` is a seed's type.
 */
export function isReservedEventType(type: string): boolean {
  return type.startsWith(PLATFORM_NAMESPACE) || platformTypes.has(type.toLowerCase());
}

/** A subscription: `*`, an exact type, or `prefix.*` (every type under that prefix). */
export const EVENT_TYPE_PATTERN = /^(?:\*|[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*(?:\.\*)?)$/;

export function matchesEventType(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => matchesEventType(pattern, type));
}

/** True when some event type would match both patterns. */
export function patternsOverlap(a: string, b: string): boolean {
  if (a === "*" || b === "*") return true;
  const aPrefix = a.endsWith(".*") ? a.slice(0, -1) : undefined;
  const bPrefix = b.endsWith(".*") ? b.slice(0, -1) : undefined;
  if (aPrefix && bPrefix) return aPrefix.startsWith(bPrefix) || bPrefix.startsWith(aPrefix);
  if (aPrefix) return b.startsWith(aPrefix);
  if (bPrefix) return a.startsWith(bPrefix);
  return a === b;
}

/** The first pair (mine, theirs) of overlapping patterns, if any. */
export function firstOverlap(
  mine: readonly string[],
  theirs: readonly string[],
): readonly [string, string] | undefined {
  for (const a of mine) {
    const b = theirs.find((t) => patternsOverlap(a, t));
    if (b !== undefined) return [a, b];
  }
  return undefined;
}
