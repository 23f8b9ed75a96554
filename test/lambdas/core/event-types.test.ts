import { describe, expect, it } from "vitest";
import {
  EVENT_CATALOG,
  firstOverlap,
  isKnownPattern,
  matchesAny,
  matchesEventType,
  patternsOverlap,
} from "../../../lambdas/core/event-types";

describe("matchesEventType", () => {
  it.each([
    ["crm.lead.created", "crm.lead.created", true],
    ["crm.lead.created", "crm.lead.updated", false],
    ["*", "crm.lead.created", true],
    ["*", "webhook.test", true],
    ["crm.*", "crm.lead.created", true],
    ["crm.lead.*", "crm.lead.moved", true],
    ["crm.lead.*", "crm.leadx.moved", false],
    ["crm.*", "crm", false],
    ["crm.*", "crmx.lead", false],
    ["crm.*", "contact.created", false],
  ])("matches pattern %s against %s: %s", (pattern, type, expected) => {
    // Act
    const matches = matchesEventType(pattern, type);

    // Assess
    expect(matches).toBe(expected);
  });

  it("matches a type when any of several patterns does", () => {
    // Act
    const matched = matchesAny(["contact.*", "crm.lead.created"], "crm.lead.created");
    const unmatched = matchesAny(["contact.*", "crm.lead.created"], "crm.lead.deleted");

    // Assess
    expect(matched).toBe(true);
    expect(unmatched).toBe(false);
  });
});

describe("patternsOverlap", () => {
  it.each([
    ["*", "crm.lead.created", true],
    ["*", "contact.*", true],
    ["*", "*", true],
    ["crm.*", "crm.lead.*", true],
    ["crm.*", "crm.lead.created", true],
    ["crm.lead.*", "contact.*", false],
    ["crm.lead.*", "crm.leadx.created", false],
    ["crm.*", "crm", false],
    ["crm.lead.created", "crm.lead.created", true],
    ["crm.lead.created", "crm.lead.updated", false],
  ])("finds %s and %s overlapping: %s, in either order", (a, b, expected) => {
    // Act
    const forward = patternsOverlap(a, b);
    const backward = patternsOverlap(b, a);

    // Assess
    expect(forward).toBe(expected);
    expect(backward).toBe(expected);
  });
});

describe("firstOverlap", () => {
  it("returns the first of my patterns with the pattern of theirs it overlaps", () => {
    // Act
    const overlap = firstOverlap(["contact.created", "crm.lead.*"], ["chat.*", "crm.*"]);

    // Assess
    expect(overlap).toEqual(["crm.lead.*", "crm.*"]);
  });

  it("returns undefined when no pair overlaps", () => {
    // Act
    const overlap = firstOverlap(["contact.*", "crm.lead.created"], ["chat.*", "crm.lead.updated"]);

    // Assess
    expect(overlap).toBeUndefined();
  });
});

describe("isKnownPattern", () => {
  it.each(["crm.lead.created", "crm.*", "chat.conversation.*", "*", "webhook.test"])(
    "accepts %s, which matches a catalog type",
    (pattern) => {
      // Act
      const known = isKnownPattern(pattern);

      // Assess
      expect(known).toBe(true);
    },
  );

  it.each(["crm.deal.created", "crmx.*", "crm", "billing.*"])(
    "refuses %s, which matches no catalog type",
    (pattern) => {
      // Act
      const known = isKnownPattern(pattern);

      // Assess
      expect(known).toBe(false);
    },
  );

  it("checks against the catalog it is given", () => {
    // Prepare
    const catalog = [{ type: "billing.invoice.paid", description: "An invoice was paid" }];

    // Act
    const known = isKnownPattern("billing.*", catalog);
    const unknown = isKnownPattern("crm.lead.created", catalog);

    // Assess
    expect(known).toBe(true);
    expect(unknown).toBe(false);
    expect(EVENT_CATALOG.some((entry) => entry.type === "billing.invoice.paid")).toBe(false);
  });
});
