import { describe, expect, it } from "vitest";
import { firstUlidAt, ulid } from "../../../lambdas/core/ulid";

const CROCKFORD_ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe("ulid", () => {
  it("is 26 Crockford base32 characters", () => {
    // Act
    const id = ulid();

    // Assess
    expect(id).toMatch(CROCKFORD_ULID);
  });

  it("encodes the millisecond in its first 10 characters, as the ULID spec's example does", () => {
    // Act
    const id = ulid(1469918176385);

    // Assess
    expect(id.slice(0, 10)).toBe("01ARYZ6S41");
  });

  it("gives distinct ids within one millisecond, across many refills of its random bytes", () => {
    // Prepare
    const now = Date.now();

    // Act
    const ids = Array.from({ length: 20_000 }, () => ulid(now));

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => CROCKFORD_ULID.test(id))).toBe(true);
  });

  it("sorts an id after every id of an earlier millisecond", () => {
    // Prepare
    const now = Date.now();

    // Act
    const earlier = Array.from({ length: 100 }, () => ulid(now - 1));
    const later = ulid(now);

    // Assess
    expect(earlier.every((id) => id < later)).toBe(true);
  });

  it("uses the whole alphabet in its random part", () => {
    // Act
    const tails = Array.from({ length: 1000 }, () => ulid().slice(10)).join("");

    // Assess
    expect(new Set(tails).size).toBe(32);
  });
});

describe("firstUlidAt", () => {
  it("sorts before every id of its millisecond and after every id of the one before", () => {
    // Prepare
    const now = Date.now();
    const ofNow = Array.from({ length: 100 }, () => ulid(now));
    const before = Array.from({ length: 100 }, () => ulid(now - 1));

    // Act
    const first = firstUlidAt(now);

    // Assess
    expect(first).toMatch(CROCKFORD_ULID);
    expect(ofNow.every((id) => first <= id)).toBe(true);
    expect(before.every((id) => id < first)).toBe(true);
  });
});

describe("firstUlidAt before 1970", () => {
  it("gives the smallest ULID of all, below every id", () => {
    expect(firstUlidAt(-86_400_000)).toBe("0".repeat(26));
    expect(firstUlidAt(-1) < ulid(0)).toBe(true);
  });
});
