import { describe, expect, it } from "vitest";
import { isSubscribable } from "../../../lambdas/core/catalog/catalog";
import {
  EVENT_TYPE_PATTERN,
  firstOverlap,
  isReservedEventType,
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
    ["WEBHOOK.*", "WEBHOOK.CONVERTED", true],
    ["WEBHOOK.*", "webhook.test", false],
    ["webhook.*", "WEBHOOK.CONVERTED", false],
    ["crm_deal_created", "crm_deal_created", true],
    ["crm_deal_created", "CRM_DEAL_CREATED", false],
    ["campaign_email.*", "campaign_email.sent", true],
    ["campaign_email.*", "campaign_email_sent", false],
    ["Crm.*", "crm.lead.created", false],
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
    ["WEBHOOK.*", "WEBHOOK.CONVERTED", true],
    ["WEBHOOK.*", "webhook.*", false],
    ["crm_deal_created", "CRM_DEAL_CREATED", false],
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

describe("EVENT_TYPE_PATTERN", () => {
  it.each([
    "*",
    "crm.lead.created",
    "crm.*",
    "WEBHOOK.*",
    "WEBHOOK.CONVERTED",
    "crm_deal_created",
    "campaign_email.*",
  ])("allows the pattern %s", (pattern) => {
    // Act
    const allowed = EVENT_TYPE_PATTERN.test(pattern);

    // Assess
    expect(allowed).toBe(true);
  });

  it.each([
    "",
    "crm.",
    ".crm",
    "crm..lead",
    "crm*",
    "*.created",
    "crm.*.created",
    "a-b",
    "crm lead",
    "crm.**",
  ])("refuses the pattern %j", (pattern) => {
    // Act
    const allowed = EVENT_TYPE_PATTERN.test(pattern);

    // Assess
    expect(allowed).toBe(false);
  });
});

describe("isReservedEventType", () => {
  it.each([
    "webhook.test",
    "webhook.disabled",
    "webhook.verification",
    "webhook.anything",
    "Webhook.Test",
    "WEBHOOK.DISABLED",
  ])("reserves %s for the platform", (type) => {
    // Act
    const reserved = isReservedEventType(type);

    // Assess
    expect(reserved).toBe(true);
  });

  it.each([
    "WEBHOOK.CONVERTED",
    "WEBHOOK.MARKED_OPPORTUNITY",
    "Webhook.custom",
    "webhooks.test",
    "crm.lead.created",
  ])("leaves %s to the operator", (type) => {
    // Act
    const reserved = isReservedEventType(type);

    // Assess
    expect(reserved).toBe(false);
  });
});

describe("isSubscribable", () => {
  const types = [
    { type: "crm.lead.created" },
    { type: "crm.lead.moved" },
    { type: "WEBHOOK.CONVERTED" },
    { type: "crm_deal_created" },
    { type: "campaign_email.sent" },
  ];

  it.each([
    "crm.lead.created",
    "crm.*",
    "crm.lead.*",
    "WEBHOOK.*",
    "WEBHOOK.CONVERTED",
    "crm_deal_created",
    "campaign_email.*",
    "*",
    "webhook.test",
    "webhook.disabled",
    "webhook.*",
  ])("accepts %s, which matches a catalog or platform type", (pattern) => {
    // Act
    const subscribable = isSubscribable(pattern, types);

    // Assess
    expect(subscribable).toBe(true);
  });

  it.each([
    "crm.deal.created",
    "crmx.*",
    "crm",
    "billing.*",
    "CRM.LEAD.CREATED",
    "webhook.CONVERTED",
    "Webhook.*",
    "CRM_DEAL_CREATED",
    "webhook.verification",
  ])("refuses %s, which matches no catalog type in its case", (pattern) => {
    // Act
    const subscribable = isSubscribable(pattern, types);

    // Assess
    expect(subscribable).toBe(false);
  });

  it("checks against the types it is given, with the platform's own always there", () => {
    // Prepare
    const billing = [{ type: "billing.invoice.paid" }];

    // Act
    const known = isSubscribable("billing.*", billing);
    const unknown = isSubscribable("crm.lead.created", billing);
    const platformsOwn = isSubscribable("webhook.test", []);
    const everything = isSubscribable("*", []);

    // Assess
    expect(known).toBe(true);
    expect(unknown).toBe(false);
    expect(platformsOwn).toBe(true);
    expect(everything).toBe(true);
  });
});
