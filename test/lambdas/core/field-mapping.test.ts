import { describe, expect, it } from "vitest";
import { applyFieldMapping } from "../../../lambdas/core/field-mapping";

const data = {
  lead: { email: "ana@example.com", profile: { city: "Recife", score: 0, vip: false, notes: null } },
  items: [{ id: "item-1" }, { id: "item-2" }],
  stage: "new",
};

describe("applyFieldMapping", () => {
  it("picks nested paths and renames them", () => {
    // Act
    const mapped = applyFieldMapping(data, {
      lead_email: "lead.email",
      city: "lead.profile.city",
      stage: "stage",
    });

    // Assess
    expect(mapped).toEqual({ lead_email: "ana@example.com", city: "Recife", stage: "new" });
  });

  it("keeps falsy values: 0, false and null", () => {
    // Act
    const mapped = applyFieldMapping(data, {
      score: "lead.profile.score",
      vip: "lead.profile.vip",
      notes: "lead.profile.notes",
    });

    // Assess
    expect(mapped).toEqual({ score: 0, vip: false, notes: null });
  });

  it("leaves out paths that do not exist", () => {
    // Act
    const mapped = applyFieldMapping(data, {
      email: "lead.email",
      phone: "lead.phone",
      deep: "lead.email.domain",
      through_null: "lead.profile.notes.text",
      nowhere: "missing.path",
    });

    // Assess
    expect(mapped).toEqual({ email: "ana@example.com" });
  });

  it("passes data through unchanged when the mapping is empty", () => {
    // Act
    const mapped = applyFieldMapping(data, {});

    // Assess
    expect(mapped).toBe(data);
  });

  it.each(["constructor", "__proto__", "toString", "lead.hasOwnProperty", "lead.constructor.name"])(
    "does not read the inherited property %s",
    (path) => {
      // Act
      const mapped = applyFieldMapping(data, { out: path });

      // Assess
      expect(mapped).toEqual({});
    },
  );

  it("reads arrays by index", () => {
    // Act
    const mapped = applyFieldMapping(data, {
      first: "items.0.id",
      second: "items.1.id",
      third: "items.2.id",
    });

    // Assess
    expect(mapped).toEqual({ first: "item-1", second: "item-2" });
  });

  it("gives an empty object when data is not an object", () => {
    // Act
    const mapped = applyFieldMapping("plain text", { out: "length" });

    // Assess
    expect(mapped).toEqual({});
  });
});
