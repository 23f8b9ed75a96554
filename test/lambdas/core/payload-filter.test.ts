import { describe, expect, it } from "vitest";
import { type ErrorDetail, ValidationError } from "../../../lambdas/core/errors";
import { passesFilter, payloadFilterSchema } from "../../../lambdas/core/payload-filter";
import { parseInput } from "../../../lambdas/core/validation";

/** The ValidationError details parseInput throws for a filter the schema refuses. */
function rejection(value: unknown): readonly ErrorDetail[] {
  try {
    parseInput(payloadFilterSchema, value, "filter");
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details ?? [];
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
const paths = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`field_${i}`, ["x"]]));

describe("payloadFilterSchema", () => {
  it("accepts strings, numbers, booleans and null, under nested paths", () => {
    // Prepare
    const filter = {
      conversion_identifier: ["form-contato", "form-orcamento"],
      "lead.score": [0, 10, 2.5],
      "lead.vip": [true],
      "lead.owner": [null],
      "items.0.id": ["item-1"],
    };

    // Act
    const parsed = parseInput(payloadFilterSchema, filter, "filter");

    // Assess
    expect(parsed).toEqual(filter);
  });

  it("accepts 10 paths of 50 values and strings of 200 characters", () => {
    // Prepare
    const filter = { ...paths(8), big: values(50), long: ["s".repeat(200)] };

    // Act
    const parsed = parseInput(payloadFilterSchema, filter, "filter");

    // Assess
    expect(Object.keys(parsed)).toHaveLength(10);
  });

  it("rejects 11 paths", () => {
    // Act
    const details = rejection(paths(11));

    // Assess
    expect(details).toEqual([{ field: "body", message: expect.stringMatching(/at most 10 paths/) }]);
  });

  it("rejects 51 values for a path, naming the path", () => {
    // Act
    const details = rejection({ conversion_identifier: values(51) });

    // Assess
    expect(details).toEqual([
      { field: "conversion_identifier", message: expect.stringMatching(/at most 50/) },
    ]);
  });

  it("rejects a path with no values", () => {
    // Act
    const details = rejection({ conversion_identifier: [] });

    // Assess
    expect(details).toEqual([
      { field: "conversion_identifier", message: expect.stringMatching(/at least one/) },
    ]);
  });

  it.each([
    ["a space", "lead email"],
    ["an empty segment", "lead..email"],
    ["a leading dot", ".lead"],
    ["a trailing dot", "lead."],
  ])("rejects a path with %s, naming it", (_, path) => {
    // Act
    const details = rejection({ [path]: ["x"], ok: ["y"] });

    // Assess
    expect(details).toEqual([
      { field: path, message: expect.stringContaining(`"${path}" is not a dot path`) },
    ]);
  });

  it("rejects an empty path", () => {
    // Act
    const details = rejection({ "": ["x"] });

    // Assess
    expect(details.map((d) => d.message)).toEqual([
      '"" is not a dot path like lead.email (at most 500 characters)',
    ]);
  });

  it.each([
    ["an object", { id: 1 }],
    ["an array", ["a"]],
  ])("rejects %s as a value", (_, value) => {
    // Act
    const details = rejection({ tags: ["a", value] });

    // Assess
    expect(details).toEqual([
      { field: "tags.1", message: "a filter value is a string, number, boolean or null" },
    ]);
  });

  it("rejects a string value over 200 characters", () => {
    // Act
    const details = rejection({ tags: ["s".repeat(201)] });

    // Assess
    expect(details).toEqual([{ field: "tags.0", message: expect.stringMatching(/at most 200/) }]);
  });

  it.each([
    ["a bare value instead of a list", { tags: "a" }],
    ["a list instead of an object", [["a"]]],
    ["a string", "tags=a"],
  ])("rejects %s", (_, filter) => {
    // Act
    const details = rejection(filter);

    // Assess
    expect(details).toHaveLength(1);
  });

  it("rejects an empty object, pointing to null for no filter", () => {
    // Act
    const details = rejection({});

    // Assess
    expect(details).toEqual([{ field: "body", message: expect.stringMatching(/send null/) }]);
  });
});

describe("passesFilter", () => {
  const conversion = {
    conversion_identifier: "form-contato",
    contact: { email: "ana@example.com", score: 10, vip: false, owner: null },
    tags: ["a", "b"],
  };

  it("lets everything through without a filter", () => {
    expect(passesFilter(null, conversion)).toBe(true);
    expect(passesFilter(null, undefined)).toBe(true);
  });

  it("passes an event whose value at the path is one of the allowed ones", () => {
    // Act
    const passes = passesFilter({ conversion_identifier: ["form-contato", "form-orcamento"] }, conversion);

    // Assess
    expect(passes).toBe(true);
  });

  it("keeps out an event whose value is none of them", () => {
    // Act
    const passes = passesFilter(
      { conversion_identifier: ["form-contato", "form-orcamento"] },
      { ...conversion, conversion_identifier: "newsletter" },
    );

    // Assess
    expect(passes).toBe(false);
  });

  it("passes an array in the data when one of its elements is allowed", () => {
    expect(passesFilter({ tags: ["b"] }, conversion)).toBe(true);
    expect(passesFilter({ tags: ["c", "a"] }, conversion)).toBe(true);
    expect(passesFilter({ tags: ["c"] }, conversion)).toBe(false);
    expect(passesFilter({ tags: ["a"] }, { tags: [] })).toBe(false);
  });

  it("does not match an array element that is itself an array or an object", () => {
    expect(passesFilter({ tags: ["a"] }, { tags: [["a"], { a: "a" }] })).toBe(false);
  });

  it("keeps out an event that lacks the path, or whose value there is an object", () => {
    expect(passesFilter({ "contact.phone": ["123"] }, conversion)).toBe(false);
    expect(passesFilter({ "contact.email.domain": ["example.com"] }, conversion)).toBe(false);
    expect(passesFilter({ contact: ["ana@example.com"] }, conversion)).toBe(false);
    expect(passesFilter({ conversion_identifier: ["form-contato"] }, "form-contato")).toBe(false);
  });

  it("does not take a missing path for null, but matches a null value", () => {
    expect(passesFilter({ "contact.owner": [null] }, conversion)).toBe(true);
    expect(passesFilter({ "contact.manager": [null] }, conversion)).toBe(false);
  });

  it("tells numbers from strings and booleans from their names", () => {
    expect(passesFilter({ "contact.score": [10] }, conversion)).toBe(true);
    expect(passesFilter({ "contact.score": ["10"] }, conversion)).toBe(false);
    expect(passesFilter({ "contact.score": [10] }, { contact: { score: "10" } })).toBe(false);
    expect(passesFilter({ "contact.vip": [false] }, conversion)).toBe(true);
    expect(passesFilter({ "contact.vip": ["false", 0, null] }, conversion)).toBe(false);
  });

  it("needs every path to pass", () => {
    // Prepare
    const filter = { conversion_identifier: ["form-contato"], "contact.vip": [true] };

    // Act
    const passes = passesFilter(filter, conversion);

    // Assess
    expect(passes).toBe(false);
    expect(passesFilter({ ...filter, "contact.vip": [true, false] }, conversion)).toBe(true);
  });

  it("reads array elements by index and never inherited properties", () => {
    expect(passesFilter({ "tags.1": ["b"] }, conversion)).toBe(true);
    expect(passesFilter({ "contact.constructor.name": ["Object"] }, conversion)).toBe(false);
  });
});
