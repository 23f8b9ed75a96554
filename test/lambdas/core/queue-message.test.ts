import { describe, expect, it } from "vitest";
import { parseQueueMessage } from "../../../lambdas/core/queue-message";

describe("parseQueueMessage", () => {
  it("reads a producer event as in docs/events.md", () => {
    const body = {
      tenant_id: "acme",
      type: "crm.lead.created",
      id: "evt_1",
      occurred_at: "2026-02-15T10:30:00Z",
      data: { a: 1 },
    };

    expect(parseQueueMessage(JSON.stringify(body))).toEqual({
      ok: true,
      message: { kind: "event", event: body },
    });
  });

  it("reads a retry, a resend, a recover and a platform event by their kind", () => {
    const retry = { kind: "retry", tenant_id: "acme", webhook_id: "w", delivery_id: "msg_1", attempt: 3 };
    const resend = { kind: "resend", tenant_id: "acme", webhook_id: "w", delivery_id: "msg_1", attempt: 1 };
    const recover = {
      kind: "recover",
      tenant_id: "acme",
      webhook_id: "w",
      since: "2026-02-15T10:30:00Z",
      before: "msg_01KANZ7Y2D8Q8ZCX1X3WJ1QGQA",
    };
    const platform = {
      kind: "platform_event",
      tenant_id: "acme",
      event: { id: "evt_disabled_1", type: "webhook.disabled", created_at: "2026-02-15T10:30:00Z", data: {} },
      exclude_webhook_id: "w",
    };

    expect(parseQueueMessage(JSON.stringify(retry))).toEqual({ ok: true, message: retry });
    expect(parseQueueMessage(JSON.stringify(resend))).toEqual({ ok: true, message: resend });
    expect(parseQueueMessage(JSON.stringify(recover))).toEqual({ ok: true, message: recover });
    expect(parseQueueMessage(JSON.stringify(platform))).toEqual({ ok: true, message: platform });
  });

  it.each([
    ["not JSON", "{nope", "not JSON"],
    ["a JSON array", "[]", "not a valid event"],
    [
      "a retry for attempt 0",
      JSON.stringify({ kind: "retry", tenant_id: "a", webhook_id: "w", delivery_id: "d", attempt: 0 }),
      "attempt",
    ],
    [
      "a resend for attempt 0",
      JSON.stringify({ kind: "resend", tenant_id: "a", webhook_id: "w", delivery_id: "d", attempt: 0 }),
      "attempt",
    ],
    [
      "a recover from a position that is not a delivery",
      JSON.stringify({
        kind: "recover",
        tenant_id: "a",
        webhook_id: "w",
        since: "2026-02-15T10:30:00Z",
        before: "x",
      }),
      "before",
    ],
    [
      "a resend with no delivery",
      JSON.stringify({ kind: "resend", tenant_id: "a", webhook_id: "w", attempt: 2 }),
      "delivery_id",
    ],
    [
      "a platform event of another type",
      JSON.stringify({
        kind: "platform_event",
        tenant_id: "a",
        event: { id: "e", type: "crm.lead.created", created_at: "x", data: {} },
      }),
      "type",
    ],
    ["an unknown kind", JSON.stringify({ kind: "replay", tenant_id: "a" }), "not a valid event"],
  ])("refuses %s with a reason", (_name, body, mentions) => {
    const parsed = parseQueueMessage(body);

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.reason).toContain(mentions);
  });

  it("refuses an event whose data is over 256 KB as JSON, though the message itself is 60 KB", () => {
    // 1e20 is printed as 21 digits, so 12,000 of them are 264 KB as JSON
    const data = `[${Array(12_000).fill("1e20").join(",")}]`;
    const body = `{"tenant_id":"acme","type":"crm.lead.created","data":${data}}`;

    const parsed = parseQueueMessage(body);

    expect(parsed).toEqual({
      ok: false,
      reason: expect.stringMatching(/^not a valid event: data: .*256 KB/),
    });
  });

  it("reads an event whose message is over 256 KB but whose data is less as JSON", () => {
    // Each \u00e7 is 6 characters of the message and 2 bytes of the data as JSON
    const body = `{"tenant_id":"acme","type":"crm.lead.created","data":"${"\\u00e7".repeat(50_000)}"}`;

    const parsed = parseQueueMessage(body);

    const event = { tenant_id: "acme", type: "crm.lead.created", data: "ç".repeat(50_000) };
    expect(parsed).toEqual({ ok: true, message: { kind: "event", event } });
  });
});
