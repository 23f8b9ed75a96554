import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../../lambdas/core/retry-after";

// HTTP dates have whole seconds, so the clock is too.
const now = Date.parse("2026-02-15T10:30:00Z");
const HOUR = 3_600_000;

describe("parseRetryAfter", () => {
  it("reads delta seconds as ms", () => {
    // Act
    const ms = parseRetryAfter("7", now);

    // Assess
    expect(ms).toBe(7000);
  });

  it("ignores spaces around delta seconds", () => {
    // Act
    const ms = parseRetryAfter(" 120 ", now);

    // Assess
    expect(ms).toBe(120_000);
  });

  it("reads an HTTP date in the future as the ms until then", () => {
    // Prepare
    const date = new Date(now + 90_000).toUTCString();

    // Act
    const ms = parseRetryAfter(date, now);

    // Assess
    expect(ms).toBe(90_000);
  });

  it.each([
    ["nothing", undefined],
    ["an empty value", ""],
    ["zero seconds", "0"],
    ["negative seconds", "-5"],
    ["fractional seconds", "1.5"],
    ["garbage", "soon"],
    ["an HTTP date in the past", new Date(now - 60_000).toUTCString()],
    ["an HTTP date equal to now", new Date(now).toUTCString()],
  ])("gives undefined for %s", (_, value) => {
    // Act
    const ms = parseRetryAfter(value, now);

    // Assess
    expect(ms).toBeUndefined();
  });

  it("caps delta seconds at 48 hours", () => {
    // Act
    const ms = parseRetryAfter(String(72 * 3600), now);

    // Assess
    expect(ms).toBe(48 * HOUR);
  });

  it("caps an HTTP date at 48 hours from now", () => {
    // Prepare
    const date = new Date(now + 30 * 24 * HOUR).toUTCString();

    // Act
    const ms = parseRetryAfter(date, now);

    // Assess
    expect(ms).toBe(48 * HOUR);
  });
});
