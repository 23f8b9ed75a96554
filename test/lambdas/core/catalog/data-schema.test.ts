import { describe, expect, it } from "vitest";
import { compileDataSchema } from "../../../../lambdas/core/catalog/data-schema";
import { ValidationError } from "../../../../lambdas/core/errors";

const contactSchema = {
  type: "object",
  required: ["contact"],
  properties: {
    contact: {
      type: "object",
      required: ["email"],
      properties: {
        email: { type: "string", format: "email" },
        updated_at: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" } },
      },
    },
  },
};

describe("compileDataSchema", () => {
  it("passes data that matches the schema", async () => {
    // Prepare
    const check = await compileDataSchema(contactSchema);

    // Act
    const problem = check({
      contact: { email: "ana@example.com", updated_at: "2026-02-15T10:30:00Z", tags: ["vip"] },
    });

    // Assess
    expect(problem).toBeUndefined();
  });

  it.each([
    [
      "an email that is not one",
      { contact: { email: "ana at example" } },
      '/contact/email must match format "email"',
    ],
    [
      "a date-time that is not one",
      { contact: { email: "ana@example.com", updated_at: "yesterday" } },
      '/contact/updated_at must match format "date-time"',
    ],
    [
      "a date-time without a zone",
      { contact: { email: "ana@example.com", updated_at: "2026-02-15T10:30:00" } },
      '/contact/updated_at must match format "date-time"',
    ],
  ])("checks formats: refuses %s", async (_, data, message) => {
    // Prepare
    const check = await compileDataSchema(contactSchema);

    // Act
    const problem = check(data);

    // Assess
    expect(problem).toBe(message);
  });

  it.each([
    ["a missing property at the top", {}, "data must have required property 'contact'"],
    ["a missing nested property", { contact: {} }, "/contact must have required property 'email'"],
    [
      "a wrong type deep inside",
      { contact: { email: "a@b.co", tags: ["ok", 7] } },
      "/contact/tags/1 must be string",
    ],
    ["data of the wrong type", "a string", "data must be object"],
  ])("names the instance path of %s", async (_, data, message) => {
    // Prepare
    const check = await compileDataSchema(contactSchema);

    // Act
    const problem = check(data);

    // Assess
    expect(problem).toBe(message);
  });

  it("keeps each compiled check to its own schema", async () => {
    // Prepare
    const strings = await compileDataSchema({ type: "string" });
    const numbers = await compileDataSchema({ type: "number" });

    // Act
    const verdicts = [strings("a"), strings(1), numbers(1), numbers("a")];

    // Assess
    expect(verdicts).toEqual([undefined, "data must be string", undefined, "data must be number"]);
  });

  it.each([
    ["an unknown type", { type: "objekt" }, "data/type must be equal to one of the allowed values"],
    ["a keyword of the wrong kind", { type: "object", required: "contact" }, "data/required must be array"],
    [
      "a remote $ref",
      { $ref: "https://example.com/c.json" },
      "can't resolve reference https://example.com/c.json",
    ],
  ])("turns %s into a ValidationError on the field schema", async (_, schema, message) => {
    // Act
    const error = await compileDataSchema(schema).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/^invalid schema: not a usable JSON Schema: /);
    expect((error as ValidationError).details).toEqual([
      { field: "schema", message: expect.stringContaining(message) },
    ]);
  });

  it("names the field it is given in the error", async () => {
    // Act
    const compile = compileDataSchema({ type: "objekt" }, "definition");

    // Assess
    await expect(compile).rejects.toThrow(/^invalid definition: /);
  });

  it("compiles the same $id again after a failed and a successful compile", async () => {
    // Prepare
    const schema = { $id: "https://example.com/contact", type: "object" };
    await compileDataSchema(schema);
    await expect(compileDataSchema({ $id: "https://example.com/broken", type: "objekt" })).rejects.toThrow(
      ValidationError,
    );

    // Act
    const check = await compileDataSchema({ ...schema });
    const broken = await compileDataSchema({ $id: "https://example.com/broken", type: "object" });

    // Assess
    expect(check({})).toBeUndefined();
    expect(broken([])).toBe("data must be object");
  });
});
