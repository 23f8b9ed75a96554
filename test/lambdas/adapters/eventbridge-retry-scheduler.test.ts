import { CreateScheduleGroupCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  atExpression,
  EventBridgeRetryScheduler,
} from "../../../lambdas/adapters/eventbridge-retry-scheduler";
import type { ProbeMessage, RetryMessage } from "../../../lambdas/core/queue-message";
import { type SchedulerServer, startSchedulerServer } from "../../../local/scheduler";
import { waitFor } from "../../../local/wait-for";

/**
 * The retry scheduler with the real @aws-sdk/client-scheduler against the local
 * Scheduler API, which refuses what AWS refuses (no FlexibleTimeWindow, no
 * RoleArn, bad names, duplicates), so the request shape is checked for real.
 */
const GROUP = "hookline-retries";
const ROLE = "arn:aws:iam::123456789012:role/hookline-scheduler";
const QUEUE = "arn:aws:sqs:us-east-1:123456789012:hookline-events";
const DLQ = "arn:aws:sqs:us-east-1:123456789012:hookline-scheduler-dlq";

let server: SchedulerServer;
let client: SchedulerClient;
const sent: { arn: string; body: string; at: number }[] = [];

beforeAll(async () => {
  server = await startSchedulerServer({
    port: 0,
    sendToQueue: async (arn, body) => {
      sent.push({ arn, body, at: Date.now() });
    },
  });
  client = new SchedulerClient({
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

const scheduler = (minLeadMs = 0) =>
  new EventBridgeRetryScheduler(client, {
    groupName: GROUP,
    roleArn: ROLE,
    targetArn: QUEUE,
    deadLetterArn: DLQ,
    minLeadMs,
  });

let sequence = 0;
const retry = (): RetryMessage => ({
  kind: "retry",
  tenant_id: "acme",
  webhook_id: "6f1c3b1e-0000-4000-8000-000000000001",
  delivery_id: `msg_01JTEST${String(++sequence).padStart(19, "0")}`,
  attempt: 2,
});

describe("EventBridgeRetryScheduler", () => {
  it("creates a one-time UTC schedule that deletes itself and targets the queue with the retry message", async () => {
    const message = retry();
    const at = new Date(Date.now() + 60_000);

    await scheduler().scheduleRetry(message, at);

    const request = server.requests.find(
      (r) => r.operation === "CreateSchedule" && r.input.Name === `${message.delivery_id}-2`,
    );
    expect(request?.status).toBe(200);
    expect(request?.input).toMatchObject({
      Name: `${message.delivery_id}-2`,
      ClientToken: `${message.delivery_id}-2`,
      GroupName: GROUP,
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      ActionAfterCompletion: "DELETE",
      Target: { Arn: QUEUE, RoleArn: ROLE, DeadLetterConfig: { Arn: DLQ } },
    });
    expect(JSON.parse((request?.input.Target as { Input: string }).Input)).toEqual(message);
  });

  it("makes one schedule when the same retry is scheduled twice", async () => {
    const message = retry();
    const at = new Date(Date.now() + 60_000);

    await scheduler().scheduleRetry(message, at);
    await scheduler().scheduleRetry(message, at);

    expect(server.schedules().filter((s) => s.Name === `${message.delivery_id}-2`)).toHaveLength(1);
  });

  it("puts the retry message on the queue when it is due, then deletes the schedule", async () => {
    const message = retry();

    await scheduler().scheduleRetry(message, new Date(Date.now() + 1000));

    await waitFor(() => sent.some((s) => s.body === JSON.stringify(message)), { timeoutMs: 5000 });
    expect(sent.find((s) => s.body === JSON.stringify(message))?.arn).toBe(QUEUE);
    await waitFor(() => !server.schedules().some((s) => s.Name === `${message.delivery_id}-2`), {
      timeoutMs: 2000,
    });
  });

  it("never asks for a time less than the minimum lead ahead", async () => {
    const message = retry();
    const before = Date.now();

    await scheduler(60_000).scheduleRetry(message, new Date(before - 5000));

    const stored = server.schedules().find((s) => s.Name === `${message.delivery_id}-2`);
    expect(stored?.dueAt?.getTime()).toBeGreaterThanOrEqual(before + 60_000);
  });

  it("makes one schedule per probe of a breaker, named by the endpoint, the breaker and the probe", async () => {
    const probe: ProbeMessage = {
      kind: "probe",
      tenant_id: "acme",
      webhook_id: "6f1c3b1e-0000-4000-8000-00000000beef",
      opened_at: "2026-11-23T08:04:10.512Z",
      probe: 7,
    };
    const name = `${probe.webhook_id}-${Date.parse(probe.opened_at).toString(36)}-7`;

    await scheduler().scheduleProbe(probe, new Date(Date.now() + 60_000));
    await scheduler().scheduleProbe(probe, new Date(Date.now() + 60_000));

    const stored = server.schedules().filter((s) => s.Name === name);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(stored).toHaveLength(1);
    const request = server.requests.find((r) => r.operation === "CreateSchedule" && r.input.Name === name);
    expect(JSON.parse((request?.input.Target as { Input: string }).Input)).toEqual(probe);
  });

  it("writes at() in UTC to the second, rounding up", () => {
    expect(atExpression(new Date("2026-02-15T10:30:00.000Z"))).toBe("at(2026-02-15T10:30:00)");
    expect(atExpression(new Date("2026-02-15T10:30:00.001Z"))).toBe("at(2026-02-15T10:30:01)");
  });
});
