import { describe, expect, it } from "vitest";
import {
  eventMessageSchema,
  eventMessageSchemaForText,
  httpEventSchema,
  MAX_DATA_BYTES,
} from "../../../lambdas/core/event-message";

// The example from docs/events.md.
const specExample = {
  tenant_id: "acme",
  type: "crm.lead.created",
  id: "evt_optional_producer_id",
  occurred_at: "2026-02-15T10:30:00Z",
  data: { any: "json" },
};

function issuesFor(overrides: Record<string, unknown>) {
  const result = eventMessageSchema.safeParse({ ...specExample, ...overrides });
  return result.success
    ? []
    : result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("eventMessageSchema", () => {
  it("accepts the example in docs/events.md", () => {
    // Act
    const message = eventMessageSchema.parse(specExample);

    // Assess
    expect(message).toEqual(specExample);
  });

  it("accepts a message without id, occurred_at and data, defaulting data to {}", () => {
    // Act
    const message = eventMessageSchema.parse({ tenant_id: "acme", type: "contact.created" });

    // Assess
    expect(message).toEqual({ tenant_id: "acme", type: "contact.created", data: {} });
  });

  it("accepts an occurred_at with an offset", () => {
    // Act
    const issues = issuesFor({ occurred_at: "2026-02-15T07:30:00.123-03:00" });

    // Assess
    expect(issues).toEqual([]);
  });

  it.each([
    "crm.deal.created",
    "WEBHOOK.CONVERTED",
    "crm_deal_created",
    "campaign_email.sent",
    "Webhook.custom",
  ])("accepts the well-formed type %s, leaving whether the catalog has it to the event check", (type) => {
    // Act
    const issues = issuesFor({ type });

    // Assess
    expect(issues).toEqual([]);
  });

  it.each(["crm..lead", "crm lead", "a-b", "", "t".repeat(129)])("rejects the malformed type %j", (type) => {
    // Act
    const issues = issuesFor({ type });

    // Assess
    expect(issues.map((i) => i.path)).toEqual(["type"]);
  });

  it.each(["webhook.test", "webhook.disabled", "webhook.verification", "webhook.anything", "Webhook.Test"])(
    "rejects %s, which only the platform sends",
    (type) => {
      // Act
      const issues = issuesFor({ type });

      // Assess
      expect(issues).toContainEqual({ path: "type", message: expect.stringMatching(/sent by the platform/) });
    },
  );

  it("rejects a wildcard as a type", () => {
    // Act
    const issues = issuesFor({ type: "crm.*" });

    // Assess
    expect(issues.map((i) => i.path)).toEqual(["type"]);
  });

  it.each([
    ["a space", "evt 1"],
    ["a slash", "evt/1"],
    ["an empty id", ""],
    ["129 characters", "e".repeat(129)],
  ])("rejects an id with %s", (_, id) => {
    // Act
    const issues = issuesFor({ id });

    // Assess
    expect(issues.map((i) => i.path)).toEqual(["id"]);
  });

  it.each(["2026-02-15", "15/02/2026 10:30", "yesterday", "2026-02-15T10:30:00"])(
    "rejects the occurred_at %j, which is not an ISO date-time with a zone",
    (occurredAt) => {
      // Act
      const issues = issuesFor({ occurred_at: occurredAt });

      // Assess
      expect(issues).toEqual([{ path: "occurred_at", message: expect.stringMatching(/ISO 8601/) }]);
    },
  );

  it("rejects data over 256 KB as JSON", () => {
    // Prepare: the string alone is 256 KB; its JSON quotes push it over
    const data = { blob: "x".repeat(MAX_DATA_BYTES) };

    // Act
    const issues = issuesFor({ data });

    // Assess
    expect(issues).toEqual([{ path: "data", message: expect.stringMatching(/256 KB/) }]);
  });

  it("accepts data of exactly 256 KB as JSON", () => {
    // Prepare: the two quotes make the JSON exactly MAX_DATA_BYTES
    const data = "x".repeat(MAX_DATA_BYTES - 2);

    // Act
    const issues = issuesFor({ data });

    // Assess
    expect(issues).toEqual([]);
  });

  it("counts data in bytes, not characters", () => {
    // Prepare: 'ç' is two bytes in UTF-8
    const data = "ç".repeat(MAX_DATA_BYTES / 2);

    // Act
    const issues = issuesFor({ data });

    // Assess
    expect(issues.map((i) => i.path)).toEqual(["data"]);
  });

  it("rejects unknown fields", () => {
    // Act
    const issues = issuesFor({ payload: {} });

    // Assess
    expect(issues).toEqual([{ path: "", message: expect.stringContaining("payload") }]);
  });

  it("requires tenant_id on the queue", () => {
    // Prepare
    const { tenant_id: _, ...withoutTenant } = specExample;

    // Act
    const result = eventMessageSchema.safeParse(withoutTenant);

    // Assess
    expect(result.success).toBe(false);
  });
});

describe("httpEventSchema", () => {
  it("lets tenant_id be left out", () => {
    // Prepare
    const { tenant_id: _, ...withoutTenant } = specExample;

    // Act
    const message = httpEventSchema.parse(withoutTenant);

    // Assess
    expect(message).toEqual(withoutTenant);
  });
});

describe("eventMessageSchemaForText", () => {
  /** `count` copies of 1e20, which JSON.stringify prints as 21 digits: data 5 times longer than its text. */
  const exponents = (count: number) => `[${Array(count).fill("1e20").join(",")}]`;

  it.each([
    ["a small object", '{"any":"json"}', true],
    ["a string of exactly 256 KB as JSON", JSON.stringify("x".repeat(MAX_DATA_BYTES - 2)), true],
    ["a string over 256 KB as JSON", JSON.stringify("x".repeat(MAX_DATA_BYTES)), false],
    ["45 KB of 1e20 (198 KB as JSON)", exponents(9_000), true],
    ["60 KB of 1e20 (264 KB as JSON)", exponents(12_000), false],
    ["384 KB of \\u escapes (128 KB as JSON)", `"${"\\u00e7".repeat(MAX_DATA_BYTES / 4)}"`, true],
  ])("judges the size of %s as eventMessageSchema does", (_, dataText, accepted) => {
    // Prepare
    const text = `{"tenant_id":"acme","type":"crm.lead.created","data":${dataText}}`;
    const message = JSON.parse(text);

    // Act
    const result = eventMessageSchemaForText(Buffer.byteLength(text)).safeParse(message);

    // Assess
    expect(result.success).toBe(accepted);
    expect(eventMessageSchema.safeParse(message).success).toBe(accepted);
    if (!result.success) {
      const issue = { path: ["data"], message: expect.stringMatching(/256 KB/) };
      expect(result.error.issues).toEqual([expect.objectContaining(issue)]);
    }
  });
});
