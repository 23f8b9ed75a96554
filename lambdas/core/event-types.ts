/**
 * The event-type catalog and subscription patterns. A pattern is an exact
 * type, `*` (everything) or `prefix.*` (every type under that prefix).
 */
export interface EventTypeInfo {
  readonly type: string;
  readonly description: string;
}

/** Types the platform itself emits; producers may not send them. */
export const PLATFORM_EVENT_TYPES = {
  test: "webhook.test",
  verification: "webhook.verification",
  disabled: "webhook.disabled",
} as const;

// From the JuriChat seed, plus the platform's own notices.
export const EVENT_CATALOG: readonly EventTypeInfo[] = [
  { type: "crm.lead.created", description: "A lead was created in the CRM" },
  { type: "crm.lead.updated", description: "A lead's fields changed" },
  { type: "crm.lead.deleted", description: "A lead was deleted" },
  { type: "crm.lead.moved", description: "A lead moved to another pipeline stage" },
  { type: "chat.conversation.created", description: "A chat conversation started" },
  { type: "chat.conversation.updated", description: "A chat conversation changed" },
  { type: "chat.conversation.assigned", description: "A chat conversation was assigned to an agent" },
  { type: "contact.created", description: "A contact was created" },
  { type: "contact.updated", description: "A contact's fields changed" },
  { type: "contact.deleted", description: "A contact was deleted" },
  { type: PLATFORM_EVENT_TYPES.test, description: "A test event sent with POST /v1/webhooks/{id}/test" },
  {
    type: PLATFORM_EVENT_TYPES.disabled,
    description: "Another endpoint of the tenant was disabled after failed deliveries",
  },
];

export const EVENT_TYPE_PATTERN = /^(?:\*|[a-z0-9_]+(?:\.[a-z0-9_]+)*(?:\.\*)?)$/;

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

/** A pattern is subscribable when it matches at least one catalog type. */
export function isKnownPattern(pattern: string, catalog: readonly EventTypeInfo[] = EVENT_CATALOG): boolean {
  return catalog.some((entry) => matchesEventType(pattern, entry.type));
}
