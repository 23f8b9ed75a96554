import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../../lambdas/core/delivery/log";
import { newTenant, type TestTenant } from "../support/platform";
import { type Receiver, startReceiver } from "../support/receiver";

/**
 * The delivery log (docs/api.md) over real HTTP: GET /v1/webhooks/{id}/deliveries and
 * .../deliveries/{delivery_id}. The deliveries are made with POST .../test, which
 * answers once the attempt is recorded, so the log's content is known exactly.
 */
let tenant: TestTenant;
let receiver: Receiver;
let webhookId: string;
/** The ids POST .../test answered, oldest first; every third one failed (500). */
const made: { id: string; status: string }[] = [];
const FAILING_EVERY = 3;
const MADE = 25;

interface ListedDelivery {
  id: string;
  webhook_id: string;
  status: string;
  created_at: string;
  next_attempt_at: string | null;
}

beforeAll(async () => {
  tenant = await newTenant("log");
  receiver = await startReceiver((_, n) => (n % FAILING_EVERY === 0 ? { status: 500, body: "boom" } : {}));
  const res = await tenant.api("POST", "/v1/webhooks", {
    body: { name: "Log", url: `${receiver.url}/log`, events: ["crm.lead.created"], verify: false },
  });
  webhookId = res.json.data.id;
  for (let i = 0; i < MADE; i++) {
    const sent = await tenant.api("POST", `/v1/webhooks/${webhookId}/test`);
    expect(sent.status, sent.text).toBe(200);
    made.push({ id: sent.json.data.id, status: sent.json.data.status });
  }
});

afterAll(() => receiver.close());

async function allPages(query: string, limit: number): Promise<{ pages: ListedDelivery[][] }> {
  const pages: ListedDelivery[][] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${cursor}` : "";
    const res = await tenant.api(
      "GET",
      `/v1/webhooks/${webhookId}/deliveries?limit=${limit}${query}${suffix}`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json.pagination.limit).toBe(limit);
    pages.push(res.json.data);
    cursor = res.json.pagination.next_cursor;
  } while (cursor);
  return { pages };
}

describe("GET /v1/webhooks/{id}/deliveries", () => {
  it("pages through the whole log newest first, with no duplicates or gaps", async () => {
    const { pages } = await allPages("", 10);

    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    const listed = pages.flat();
    expect(listed.map((d) => d.id)).toEqual(made.map((d) => d.id).reverse());
    const times = listed.map((d) => d.created_at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it("lists the delivery fields, without the attempts", async () => {
    const res = await tenant.api("GET", `/v1/webhooks/${webhookId}/deliveries?limit=1`);

    expect(Object.keys(res.json.data[0])).toEqual([
      "id",
      "webhook_id",
      "event_id",
      "event_type",
      "status",
      "attempt_count",
      "next_attempt_at",
      "created_at",
      "updated_at",
    ]);
    expect(res.json.data[0]).toMatchObject({
      id: made.at(-1)?.id,
      webhook_id: webhookId,
      event_type: "webhook.test",
      attempt_count: 1,
      next_attempt_at: null,
    });
  });

  it("filters by status, across pages", async () => {
    const failed = made.filter((d) => d.status === "failed").map((d) => d.id);
    expect(failed).toHaveLength(Math.floor(MADE / FAILING_EVERY));

    const { pages } = await allPages("&status=failed", 3);

    expect(pages.flat().map((d) => d.id)).toEqual(failed.reverse());
    expect(pages.flat().every((d) => d.status === "failed")).toBe(true);
  });

  it("takes several statuses separated by commas", async () => {
    const { pages } = await allPages("&status=failed,succeeded", 100);
    expect(pages.flat()).toHaveLength(MADE);
    const none = await tenant.api("GET", `/v1/webhooks/${webhookId}/deliveries?status=skipped,retrying`);
    expect(none.json).toMatchObject({ data: [], pagination: { next_cursor: null } });
  });

  it("answers an empty log for a new endpoint", async () => {
    const other = await tenant.api("POST", "/v1/webhooks", {
      body: { name: "Empty", url: `${receiver.url}/empty`, events: ["crm.*"], verify: false },
    });
    const res = await tenant.api("GET", `/v1/webhooks/${other.json.data.id}/deliveries`);
    expect(res.json).toEqual({ success: true, data: [], pagination: { limit: 20, next_cursor: null } });
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=ten", "limit"],
    ["status=lost", "status"],
    ["status=failed,", "status"],
    ["page=2", "body"],
  ])("answers 400 to ?%s", async (query, field) => {
    const res = await tenant.api("GET", `/v1/webhooks/${webhookId}/deliveries?${query}`);
    expect(res.status, res.text).toBe(400);
    expect(res.json.error.code).toBe("validation_error");
    expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it.each([
    ["not base64 JSON", "garbage!!"],
    ["JSON of another shape", Buffer.from('{"after":"x"}').toString("base64url")],
    ["a position that is not a delivery id", Buffer.from('{"before":"WEBHOOK#x"}').toString("base64url")],
    ["a valid cursor with a character changed", `${encodeCursor(`msg_${"0".repeat(26)}`).slice(0, -2)}xx`],
    ["a valid cursor re-encoded with padding", `${encodeCursor(`msg_${"0".repeat(26)}`)}==`],
  ])("answers 400, not 500, to a cursor that is %s", async (_, cursor) => {
    const res = await tenant.api(
      "GET",
      `/v1/webhooks/${webhookId}/deliveries?cursor=${encodeURIComponent(cursor)}`,
    );
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ code: "validation_error", details: [{ field: "cursor" }] });
  });

  it("answers 404 for another tenant's endpoint and for an unknown one", async () => {
    const stranger = await newTenant("log-stranger");
    expect((await stranger.api("GET", `/v1/webhooks/${webhookId}/deliveries`)).status).toBe(404);
    expect((await tenant.api("GET", `/v1/webhooks/${randomUUID()}/deliveries`)).status).toBe(404);
    expect((await tenant.api("GET", "/v1/webhooks/not-a-uuid/deliveries")).status).toBe(404);
  });
});

describe("GET /v1/webhooks/{id}/deliveries/{delivery_id}", () => {
  it("answers the delivery with every attempt", async () => {
    const failed = made.find((d) => d.status === "failed");
    const res = await tenant.api("GET", `/v1/webhooks/${webhookId}/deliveries/${failed?.id}`);

    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject({
      id: failed?.id,
      webhook_id: webhookId,
      event_type: "webhook.test",
      status: "failed",
      attempt_count: 1,
      next_attempt_at: null,
      attempts: [{ number: 1, status_code: 500, error: null, response_body: "boom" }],
    });
    const [attempt] = res.json.data.attempts;
    expect(Object.keys(attempt)).toEqual([
      "number",
      "attempted_at",
      "status_code",
      "error",
      "duration_ms",
      "response_body",
    ]);
    expect(attempt.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(attempt.attempted_at)).not.toBeNaN();
  });

  it("answers 404 for a delivery of another endpoint, another tenant, or none at all", async () => {
    const [first] = made;
    const sibling = await tenant.api("POST", "/v1/webhooks", {
      body: { name: "Sibling", url: `${receiver.url}/sibling`, events: ["crm.*"], verify: false },
    });
    const stranger = await newTenant("log-stranger");
    const foreign = await stranger.api("POST", "/v1/webhooks", {
      body: { name: "Foreign", url: `${receiver.url}/log`, events: ["crm.*"], verify: false },
    });

    for (const path of [
      `/v1/webhooks/${sibling.json.data.id}/deliveries/${first?.id}`,
      `/v1/webhooks/${webhookId}/deliveries/msg_${"0".repeat(26)}`,
      `/v1/webhooks/${webhookId}/deliveries/not-a-delivery`,
      `/v1/webhooks/${webhookId}/deliveries/${encodeURIComponent("msg_../../x")}`,
    ]) {
      const res = await tenant.api("GET", path);
      expect(res.status, path).toBe(404);
      expect(res.json.error.code).toBe("not_found");
    }
    const res = await stranger.api("GET", `/v1/webhooks/${foreign.json.data.id}/deliveries/${first?.id}`);
    expect(res.status).toBe(404);
    expect((await stranger.api("GET", `/v1/webhooks/${webhookId}/deliveries/${first?.id}`)).status).toBe(404);
  });
});
