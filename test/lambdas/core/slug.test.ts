import { describe, expect, it } from "vitest";
import { firstFreeSlug, MAX_SLUG_LENGTH, SLUG_PATTERN, slugify } from "../../../lambdas/core/slug";

describe("slugify", () => {
  it("turns 'Integração RD Station' into integracao-rd-station", () => {
    // Act
    const slug = slugify("Integração RD Station");

    // Assess
    expect(slug).toBe("integracao-rd-station");
  });

  it("drops accents and collapses punctuation and spaces into single dashes", () => {
    // Act
    const slug = slugify("  Ação: Leads -- Ñandú!! (v2)  ");

    // Assess
    expect(slug).toBe("acao-leads-nandu-v2");
    expect(slug).toMatch(SLUG_PATTERN);
  });

  it.each([
    ["an empty name", ""],
    ["a whitespace-only name", "   "],
    ["an emoji-only name", "🚀🔥"],
    ["a punctuation-only name", "!!! ---"],
  ])("falls back to 'webhook' for %s", (_, name) => {
    // Act
    const slug = slugify(name);

    // Assess
    expect(slug).toBe("webhook");
  });

  it("caps the slug at 100 characters", () => {
    // Prepare
    const name = "a".repeat(150);

    // Act
    const slug = slugify(name);

    // Assess
    expect(slug).toBe("a".repeat(MAX_SLUG_LENGTH));
  });

  it("does not end with a dash when the cap falls on a word break", () => {
    // Prepare: the 100th character of the slug would be the dash between the words
    const name = `${"a".repeat(99)} bbbb`;

    // Act
    const slug = slugify(name);

    // Assess
    expect(slug).toBe("a".repeat(99));
    expect(slug).toMatch(SLUG_PATTERN);
  });
});

describe("firstFreeSlug", () => {
  it("keeps the base when it is free", () => {
    // Act
    const slug = firstFreeSlug("crm-leads", new Set(["other"]));

    // Assess
    expect(slug).toBe("crm-leads");
  });

  it("picks -2 when the base is taken", () => {
    // Act
    const slug = firstFreeSlug("crm-leads", new Set(["crm-leads"]));

    // Assess
    expect(slug).toBe("crm-leads-2");
  });

  it("picks -3 when the base and -2 are taken", () => {
    // Act
    const slug = firstFreeSlug("crm-leads", new Set(["crm-leads", "crm-leads-2"]));

    // Assess
    expect(slug).toBe("crm-leads-3");
  });

  it("shortens a 100-character base so the suffixed slug stays within the cap", () => {
    // Prepare
    const base = "a".repeat(MAX_SLUG_LENGTH);

    // Act
    const slug = firstFreeSlug(base, new Set([base]));

    // Assess
    expect(slug).toBe(`${"a".repeat(98)}-2`);
    expect(slug).toHaveLength(MAX_SLUG_LENGTH);
  });

  it("keeps the cap for a two-digit suffix and leaves no double dash where the cut lands", () => {
    // Prepare: cutting to 97 characters leaves the base ending in a dash
    const base = `${"a".repeat(96)}-bbb`;
    const taken = new Set([base, ...Array.from({ length: 8 }, (_, i) => `${base.slice(0, 98)}-${i + 2}`)]);

    // Act
    const slug = firstFreeSlug(base, taken);

    // Assess
    expect(slug).toBe(`${"a".repeat(96)}-10`);
    expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(slug).toMatch(SLUG_PATTERN);
  });
});
