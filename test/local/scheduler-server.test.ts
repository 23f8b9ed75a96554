import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type SchedulerServer, type SendToQueue, startSchedulerServer } from "../../local/scheduler-server";

const ROLE_ARN = "arn:aws:iam::000000000000:role/local-scheduler";
const SERVER_MODULE = fileURLToPath(new URL("../../local/scheduler-server.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface SentMessage {
  queueArn: string;
  body: string;
  messageGroupId?: string;
  sentAt: number;
}

/** Stands in for SQS: records each send and lets a test await the message a schedule delivers. */
function recordingQueues() {
  const sent: SentMessage[] = [];
  const unavailable = new Set<string>();
  const waiters: { queueArn: string; deliver: (message: SentMessage) => void }[] = [];

  const send: SendToQueue = async (queueArn, body, messageGroupId) => {
    if (unavailable.has(queueArn)) throw new Error(`queue ${queueArn} is unavailable`);
    const message = { queueArn, body, messageGroupId, sentAt: Date.now() };
    sent.push(message);
    for (const waiter of waiters.filter((w) => w.queueArn === queueArn)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.deliver(message);
    }
  };

  function next(queueArn: string, timeoutMs = 5_000): Promise<SentMessage> {
    const earlier = sent.find((m) => m.queueArn === queueArn);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nothing sent to ${queueArn} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiters.push({
        queueArn,
        deliver: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  return { send, next, sent, unavailable };
}

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${Date.now()}-${++counter}`;
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const atExpression = (epochMs: number) => `at(${new Date(epochMs).toISOString().slice(0, 19)})`;
const inOneDay = () => Date.now() + 86_400_000;

/** The request the delivery worker sends for a pending retry, due `dueAt`. */
function retrySchedule(dueAt: number, overrides: Partial<CreateScheduleCommandInput> = {}) {
  const name = overrides.Name ?? uniqueName("retry");
  const input: CreateScheduleCommandInput = {
    Name: name,
    ScheduleExpression: atExpression(dueAt),
    ScheduleExpressionTimezone: "UTC",
    FlexibleTimeWindow: { Mode: "OFF" },
    ActionAfterCompletion: "DELETE",
    Target: {
      Arn: queueArn(`deliveries-${name}`),
      RoleArn: ROLE_ARN,
      Input: JSON.stringify({ deliveryId: name, attempt: 2 }),
    },
    ...overrides,
  };
  return input;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error("expected the call to be refused");
  return outcome;
}

describe("local EventBridge Scheduler server", () => {
  const queues = recordingQueues();
  let server: SchedulerServer;
  let client: SchedulerClient;

  beforeAll(async () => {
    server = await startSchedulerServer({ sendToQueue: queues.send, retryBaseDelayMs: 10 });
    client = new SchedulerClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  describe("creating and reading schedules", () => {
    it("returns from GetSchedule the one-time schedule CreateSchedule stored", async () => {
      // Prepare
      const input = retrySchedule(inOneDay(), {
        Target: {
          Arn: queueArn("deliveries"),
          RoleArn: ROLE_ARN,
          Input: '{"deliveryId":"d-1"}',
          DeadLetterConfig: { Arn: queueArn("deliveries-dlq") },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        },
      });

      // Act
      const created = await client.send(new CreateScheduleCommand(input));
      const stored = await client.send(new GetScheduleCommand({ Name: input.Name }));

      // Assess
      expect(created.ScheduleArn).toBe(
        `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${input.Name}`,
      );
      expect(stored).toMatchObject({
        Arn: created.ScheduleArn,
        Name: input.Name,
        GroupName: "default",
        ScheduleExpression: input.ScheduleExpression,
        ScheduleExpressionTimezone: "UTC",
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: input.Target,
        State: "ENABLED",
        ActionAfterCompletion: "DELETE",
      });
      expect(stored.CreationDate).toBeInstanceOf(Date);
      expect(Math.abs((stored.CreationDate?.getTime() ?? 0) - Date.now())).toBeLessThan(5_000);
    });

    it("records each call with its operation and the input the SDK sent", async () => {
      const input = retrySchedule(inOneDay());

      await client.send(new CreateScheduleCommand(input));
      await client.send(new GetScheduleCommand({ Name: input.Name }));

      const calls = server.requests.filter((r) => r.input.Name === input.Name);
      expect(calls.map((c) => c.operation)).toEqual(["CreateSchedule", "GetSchedule"]);
      expect(calls[0]?.input).toMatchObject({ ...input, ClientToken: expect.any(String) });
      expect(calls[0]?.status).toBe(200);
    });

    it("stores rate() and cron() schedules without ever firing them", async () => {
      const rate = retrySchedule(0, { ScheduleExpression: "rate(5 minutes)", ActionAfterCompletion: "NONE" });
      const cron = retrySchedule(0, {
        ScheduleExpression: "cron(0 12 * * ? *)",
        ActionAfterCompletion: "NONE",
      });

      await client.send(new CreateScheduleCommand(rate));
      await client.send(new CreateScheduleCommand(cron));

      const views = server.schedules().filter((s) => s.Name === rate.Name || s.Name === cron.Name);
      expect(views).toHaveLength(2);
      expect(views.every((view) => view.dueAt === undefined)).toBe(true);
    });

    it("reads the at() time in ScheduleExpressionTimezone", async () => {
      const newYork = retrySchedule(0, {
        ScheduleExpression: "at(2030-01-15T09:00:00)",
        ScheduleExpressionTimezone: "America/New_York",
      });
      const kolkata = retrySchedule(0, {
        ScheduleExpression: "at(2030-07-01T05:30:00)",
        ScheduleExpressionTimezone: "Asia/Kolkata",
      });

      await client.send(new CreateScheduleCommand(newYork));
      await client.send(new CreateScheduleCommand(kolkata));

      const dueAt = (name?: string) =>
        server
          .schedules()
          .find((s) => s.Name === name)
          ?.dueAt?.toISOString();
      expect(dueAt(newYork.Name)).toBe("2030-01-15T14:00:00.000Z");
      expect(dueAt(kolkata.Name)).toBe("2030-07-01T00:00:00.000Z");
    });
  });

  describe("firing", () => {
    it("sends Input to the target queue at the at() time, then deletes the schedule (DELETE)", async () => {
      // Prepare: two seconds ahead, on a whole second as at() has no fractions.
      const dueAt = (Math.floor(Date.now() / 1000) + 2) * 1000;
      const input = retrySchedule(dueAt);
      const target = input.Target?.Arn ?? "";

      // Act
      await client.send(new CreateScheduleCommand(input));
      const message = await queues.next(target, 10_000);

      // Assess
      expect(message.body).toBe(input.Target?.Input);
      expect(message.sentAt).toBeGreaterThanOrEqual(dueAt);
      expect(message.sentAt).toBeLessThan(dueAt + 1_500);
      await vi.waitFor(() =>
        expect(server.fired.find((f) => f.name === input.Name)?.outcome).toBe("delivered"),
      );
      const error = await rejectionOf(client.send(new GetScheduleCommand({ Name: input.Name })));
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.message).toBe(`Schedule ${input.Name} does not exist.`);
    });

    it("fires a schedule whose at() time has already passed promptly", async () => {
      const input = retrySchedule(Date.now() - 3_600_000);

      const createdAt = Date.now();
      await client.send(new CreateScheduleCommand(input));
      const message = await queues.next(input.Target?.Arn ?? "", 2_000);

      expect(message.body).toBe(input.Target?.Input);
      expect(message.sentAt - createdAt).toBeLessThan(1_000);
    });

    it("keeps a fired schedule with ActionAfterCompletion NONE, still ENABLED, and fires it once", async () => {
      const input = retrySchedule(Date.now() - 1_000, { ActionAfterCompletion: "NONE" });

      await client.send(new CreateScheduleCommand(input));
      await queues.next(input.Target?.Arn ?? "");
      await vi.waitFor(() => expect(server.fired.some((f) => f.name === input.Name)).toBe(true));

      const kept = await client.send(new GetScheduleCommand({ Name: input.Name }));
      expect(kept.State).toBe("ENABLED");
      expect(server.schedules().find((s) => s.Name === input.Name)?.completed).toBe(true);
      expect(queues.sent.filter((m) => m.queueArn === input.Target?.Arn)).toHaveLength(1);
    });

    it("passes SqsParameters.MessageGroupId to the queue", async () => {
      const input = retrySchedule(Date.now() - 1_000);
      const target = { Arn: queueArn(`${input.Name}.fifo`), RoleArn: ROLE_ARN, Input: "{}" };

      await client.send(
        new CreateScheduleCommand({
          ...input,
          Target: { ...target, SqsParameters: { MessageGroupId: "ep-1" } },
        }),
      );
      const message = await queues.next(target.Arn);

      expect(message.messageGroupId).toBe("ep-1");
    });

    it("never fires a DISABLED schedule", async () => {
      const disabled = retrySchedule(Date.now() - 2_000, { State: "DISABLED" });
      const enabled = retrySchedule(Date.now() - 1_000);

      await client.send(new CreateScheduleCommand(disabled));
      await client.send(new CreateScheduleCommand(enabled));
      await queues.next(enabled.Target?.Arn ?? "");

      // Both were due; the timer fires due schedules in time order, so the disabled one would have gone first.
      expect(queues.sent.some((m) => m.queueArn === disabled.Target?.Arn)).toBe(false);
      expect(server.fired.some((f) => f.name === disabled.Name)).toBe(false);
    });

    it("does not fire a schedule deleted before its time", async () => {
      const deleted = retrySchedule(Date.now() + 1_000);
      const control = retrySchedule(Date.now() + 1_500);

      await client.send(new CreateScheduleCommand(deleted));
      await client.send(new CreateScheduleCommand(control));
      await client.send(new DeleteScheduleCommand({ Name: deleted.Name }));
      await queues.next(control.Target?.Arn ?? "", 5_000);

      expect(queues.sent.some((m) => m.queueArn === deleted.Target?.Arn)).toBe(false);
    });

    it("sends a failure report to the DeadLetterConfig queue when the target keeps failing", async () => {
      // Prepare
      const name = uniqueName("dlq");
      const target = queueArn(`broken-${name}`);
      const deadLetters = queueArn(`dead-letters-${name}`);
      queues.unavailable.add(target);
      const input = retrySchedule(Date.now() - 1_000, {
        Name: name,
        Target: {
          Arn: target,
          RoleArn: ROLE_ARN,
          Input: '{"deliveryId":"d-9"}',
          DeadLetterConfig: { Arn: deadLetters },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        },
      });

      // Act
      const { ScheduleArn } = await client.send(new CreateScheduleCommand(input));
      const deadLetter = await queues.next(deadLetters);

      // Assess
      expect(JSON.parse(deadLetter.body)).toMatchObject({
        EXHAUSTED_RETRY_CONDITION: "MaximumRetryAttempts",
        RETRY_ATTEMPTS: 2,
        SCHEDULE_ARN: ScheduleArn,
        TARGET_ARN: target,
        ERROR_MESSAGE: `queue ${target} is unavailable`,
        Input: '{"deliveryId":"d-9"}',
      });
      await vi.waitFor(() =>
        expect(server.fired.find((f) => f.name === name)).toMatchObject({
          outcome: "dead-lettered",
          attempts: 3,
          deadLetterArn: deadLetters,
        }),
      );
    });

    it("fires on an injected clock when fireDue() is called", async () => {
      // Prepare
      let clock = Date.UTC(2030, 0, 1, 12, 0, 0);
      const sent: string[] = [];
      const local = await startSchedulerServer({
        sendToQueue: async (arn) => {
          sent.push(arn);
        },
        now: () => clock,
      });
      const localClient = new SchedulerClient({
        endpoint: local.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      });
      try {
        await localClient.send(
          new CreateScheduleCommand(retrySchedule(clock + 60_000, { Name: "in-a-minute" })),
        );

        // Act and assess
        await local.fireDue();
        expect(sent).toEqual([]);
        clock += 60_000;
        await local.fireDue();
        expect(sent).toEqual([queueArn("deliveries-in-a-minute")]);
        expect(local.schedules()).toEqual([]);
      } finally {
        localClient.destroy();
        await local.close();
      }
    });
  });

  describe("refusing what AWS refuses", () => {
    it("refuses a second schedule with the same name in a group with ConflictException", async () => {
      const input = retrySchedule(inOneDay());
      await client.send(new CreateScheduleCommand(input));

      const error = await rejectionOf(
        client.send(new CreateScheduleCommand({ ...input, ClientToken: undefined })),
      );

      expect(error).toBeInstanceOf(ConflictException);
      expect(error.message).toBe(`Schedule ${input.Name} already exists.`);
    });

    it("answers a CreateSchedule replayed with the same ClientToken with the same ScheduleArn", async () => {
      const input = retrySchedule(inOneDay(), { ClientToken: uniqueName("token") });

      const first = await client.send(new CreateScheduleCommand(input));
      const replay = await client.send(new CreateScheduleCommand(input));

      expect(replay.ScheduleArn).toBe(first.ScheduleArn);
      expect(server.schedules().filter((s) => s.Name === input.Name)).toHaveLength(1);
    });

    it("answers a replay with the same ClientToken even after the schedule fired and was deleted", async () => {
      const input = retrySchedule(Date.now() - 1_000, { ClientToken: uniqueName("token") });

      const first = await client.send(new CreateScheduleCommand(input));
      await queues.next(input.Target?.Arn ?? "");
      await vi.waitFor(() => expect(server.fired.some((f) => f.name === input.Name)).toBe(true));
      const replay = await client.send(new CreateScheduleCommand(input));

      expect(replay.ScheduleArn).toBe(first.ScheduleArn);
      expect(server.schedules().some((s) => s.Name === input.Name)).toBe(false);
    });

    const invalid: {
      behaviour: string;
      change: (input: CreateScheduleCommandInput) => void;
      message: RegExp;
    }[] = [
      {
        behaviour: "refuses a schedule without FlexibleTimeWindow, as AWS does",
        change: (input) => {
          input.FlexibleTimeWindow = undefined;
        },
        message: /Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null/,
      },
      {
        behaviour: "refuses a FLEXIBLE window without MaximumWindowInMinutes",
        change: (input) => {
          input.FlexibleTimeWindow = { Mode: "FLEXIBLE" };
        },
        message: /flexibleTimeWindow\.maximumWindowInMinutes/,
      },
      {
        behaviour: "refuses a FlexibleTimeWindow Mode other than OFF or FLEXIBLE",
        change: (input) => {
          input.FlexibleTimeWindow = { Mode: "SOMETIMES" as "OFF" };
        },
        message: /enum value set: \[OFF, FLEXIBLE\]/,
      },
      {
        behaviour: "refuses a target without RoleArn",
        change: (input) => {
          input.Target = { Arn: queueArn("q"), RoleArn: undefined };
        },
        message: /Value null at 'target.roleArn'/,
      },
      {
        behaviour: "refuses a RoleArn that is not an IAM role ARN",
        change: (input) => {
          input.Target = { Arn: queueArn("q"), RoleArn: "local-role" };
        },
        message:
          /target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      },
      {
        behaviour: "refuses a target without Arn",
        change: (input) => {
          input.Target = { Arn: undefined, RoleArn: ROLE_ARN };
        },
        message: /Value null at 'target.arn'/,
      },
      {
        behaviour: "refuses a schedule without Target",
        change: (input) => {
          input.Target = undefined;
        },
        message: /Value null at 'target'/,
      },
      {
        behaviour: "refuses a schedule without ScheduleExpression",
        change: (input) => {
          input.ScheduleExpression = undefined;
        },
        message: /Value null at 'scheduleExpression'/,
      },
      {
        behaviour: "refuses a name with characters outside [0-9a-zA-Z-_.]",
        change: (input) => {
          input.Name = "retry 1/2";
        },
        message:
          /Value 'retry 1\/2' at 'name' failed to satisfy constraint: Member must satisfy regular expression/,
      },
      {
        behaviour: "refuses a name longer than 64 characters",
        change: (input) => {
          input.Name = "r".repeat(65);
        },
        message: /at 'name' failed to satisfy constraint: Member must have length less than or equal to 64/,
      },
      {
        behaviour: "refuses a group name with characters outside [0-9a-zA-Z-_.]",
        change: (input) => {
          input.GroupName = "retries:eu";
        },
        message: /at 'groupName' failed to satisfy constraint/,
      },
      {
        behaviour: "refuses an expression that is not at(), rate() or cron()",
        change: (input) => {
          input.ScheduleExpression = "in 5 minutes";
        },
        message: /Invalid Schedule Expression in 5 minutes/,
      },
      {
        behaviour: "refuses an at() time that is not on the calendar",
        change: (input) => {
          input.ScheduleExpression = "at(2030-02-30T10:00:00)";
        },
        message: /Invalid Schedule Expression/,
      },
      {
        behaviour: "refuses an at() time not written yyyy-mm-ddThh:mm:ss",
        change: (input) => {
          input.ScheduleExpression = "at(2030-01-01 10:00:00)";
        },
        message: /Invalid Schedule Expression/,
      },
      {
        behaviour: "refuses a ScheduleExpressionTimezone that is not an IANA zone",
        change: (input) => {
          input.ScheduleExpressionTimezone = "Mars/Olympus_Mons";
        },
        message: /Invalid ScheduleExpressionTimezone Mars\/Olympus_Mons/,
      },
      {
        behaviour: "refuses an Input over 256 KB",
        change: (input) => {
          input.Target = { Arn: queueArn("q"), RoleArn: ROLE_ARN, Input: "x".repeat(256 * 1024 + 1) };
        },
        message: /target.input/,
      },
      {
        behaviour: "refuses an ActionAfterCompletion other than NONE or DELETE",
        change: (input) => {
          input.ActionAfterCompletion = "ARCHIVE" as "NONE";
        },
        message: /actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set/,
      },
      {
        behaviour: "refuses a State other than ENABLED or DISABLED",
        change: (input) => {
          input.State = "PAUSED" as "ENABLED";
        },
        message: /at 'state' failed to satisfy constraint/,
      },
      {
        behaviour: "refuses a RetryPolicy beyond 185 retry attempts",
        change: (input) => {
          input.Target = {
            Arn: queueArn("q"),
            RoleArn: ROLE_ARN,
            RetryPolicy: { MaximumRetryAttempts: 186 },
          };
        },
        message:
          /maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185/,
      },
    ];

    it.each(invalid)("$behaviour", async ({ change, message }) => {
      const input = retrySchedule(inOneDay());
      change(input);

      const error = await rejectionOf(client.send(new CreateScheduleCommand(input)));

      expect(error).toBeInstanceOf(ValidationException);
      expect(error.message).toMatch(message);
      expect(server.schedules().some((s) => s.Name === input.Name)).toBe(false);
    });

    it("reports every broken member at once, as AWS does", async () => {
      const input = retrySchedule(inOneDay(), { FlexibleTimeWindow: undefined });
      input.Target = { Arn: queueArn("q"), RoleArn: undefined };

      const error = await rejectionOf(client.send(new CreateScheduleCommand(input)));

      expect(error.message).toMatch(/^2 validation errors detected: /);
    });

    it("refuses a schedule in a group that does not exist with ResourceNotFoundException", async () => {
      const input = retrySchedule(inOneDay(), { GroupName: "never-created" });

      const error = await rejectionOf(client.send(new CreateScheduleCommand(input)));

      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.message).toBe("Schedule group never-created does not exist.");
    });

    it("refuses to delete a schedule that does not exist with ResourceNotFoundException", async () => {
      const error = await rejectionOf(
        client.send(new DeleteScheduleCommand({ Name: uniqueName("missing") })),
      );

      expect(error).toBeInstanceOf(ResourceNotFoundException);
    });

    it("answers an unknown route with 404 UnknownOperationException", async () => {
      const response = await fetch(`${server.endpoint}/tags-of-everything`);

      expect(response.status).toBe(404);
      expect(response.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
      expect(await response.json()).toEqual({ Message: "No operation matches GET /tags-of-everything." });
    });

    it("answers malformed JSON with ValidationException and keeps serving", async () => {
      const response = await fetch(`${server.endpoint}/schedules/broken`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"ScheduleExpression": ',
      });
      const input = retrySchedule(inOneDay());

      expect(response.status).toBe(400);
      expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
      await expect(client.send(new CreateScheduleCommand(input))).resolves.toHaveProperty("ScheduleArn");
    });
  });

  describe("groups, listing and deleting", () => {
    it("keeps schedules per group, lists them with filters and pages, and deletes them with the group", async () => {
      // Prepare
      const group = uniqueName("retries");
      await client.send(new CreateScheduleGroupCommand({ Name: group }));
      for (const name of ["ep-1-a", "ep-1-b", "ep-2-a"]) {
        await client.send(
          new CreateScheduleCommand(retrySchedule(inOneDay(), { Name: name, GroupName: group })),
        );
      }
      await client.send(new CreateScheduleCommand(retrySchedule(inOneDay(), { Name: "ep-1-a" })));

      // Act
      const firstPage = await client.send(
        new ListSchedulesCommand({ GroupName: group, NamePrefix: "ep-1", State: "ENABLED", MaxResults: 1 }),
      );
      const secondPage = await client.send(
        new ListSchedulesCommand({
          GroupName: group,
          NamePrefix: "ep-1",
          MaxResults: 1,
          NextToken: firstPage.NextToken,
        }),
      );
      const disabled = await client.send(new ListSchedulesCommand({ GroupName: group, State: "DISABLED" }));
      const groupInfo = await client.send(new GetScheduleGroupCommand({ Name: group }));
      await client.send(new DeleteScheduleGroupCommand({ Name: group }));

      // Assess
      expect(firstPage.Schedules?.map((s) => s.Name)).toEqual(["ep-1-a"]);
      expect(firstPage.Schedules?.[0]).toMatchObject({
        Arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${group}/ep-1-a`,
        GroupName: group,
        Target: { Arn: queueArn("deliveries-ep-1-a") },
      });
      expect(secondPage.Schedules?.map((s) => s.Name)).toEqual(["ep-1-b"]);
      expect(secondPage.NextToken).toBeUndefined();
      expect(disabled.Schedules).toEqual([]);
      expect(groupInfo).toMatchObject({ Name: group, State: "ACTIVE" });
      expect(server.schedules().filter((s) => s.GroupName === group)).toEqual([]);
      await expect(client.send(new GetScheduleGroupCommand({ Name: group }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });

    it("refuses a second group with the same name with ConflictException", async () => {
      const group = uniqueName("retries");
      await client.send(new CreateScheduleGroupCommand({ Name: group }));

      const error = await rejectionOf(client.send(new CreateScheduleGroupCommand({ Name: group })));

      expect(error).toBeInstanceOf(ConflictException);
    });

    it("deletes a schedule so GetSchedule no longer finds it", async () => {
      const input = retrySchedule(inOneDay());
      await client.send(new CreateScheduleCommand(input));

      await client.send(new DeleteScheduleCommand({ Name: input.Name }));

      await expect(client.send(new GetScheduleCommand({ Name: input.Name }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });
});

describe("closing the local scheduler", () => {
  it("stops retrying and firing once closed", async () => {
    // Prepare: a target that always fails, so retries are in flight, and a schedule due shortly.
    let calls = 0;
    let firstCall: () => void = () => {};
    const called = new Promise<void>((resolve) => {
      firstCall = resolve;
    });
    const local = await startSchedulerServer({
      sendToQueue: async () => {
        calls += 1;
        firstCall();
        throw new Error("down");
      },
      retryBaseDelayMs: 20,
    });
    const localClient = new SchedulerClient({
      endpoint: local.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    const failing = retrySchedule(Date.now() - 1_000, { Name: "failing" });
    failing.Target = { Arn: queueArn("q"), RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 185 } };
    await localClient.send(new CreateScheduleCommand(failing));
    await localClient.send(new CreateScheduleCommand(retrySchedule(Date.now() + 200, { Name: "soon" })));
    await called;
    localClient.destroy();

    // Act
    await local.close();
    const callsAtClose = calls;
    // A negative check needs a wait: longer than the retry pauses and past the "soon" schedule's time.
    await new Promise((resolve) => setTimeout(resolve, 400));

    // Assess
    expect(calls).toBe(callsAtClose);
    expect(local.fired).toEqual([]);
  });

  it("lets the process exit after close(), with schedules pending and retries in flight", async () => {
    // A child process proves no timer, socket or retry keeps the event loop alive; the SDK client is left open.
    const script = `
      import { startSchedulerServer } from ${JSON.stringify(SERVER_MODULE)};
      import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
      const server = await startSchedulerServer({ sendToQueue: async () => { throw new Error("down"); } });
      const client = new SchedulerClient({ endpoint: server.endpoint, region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" } });
      const schedule = (name, at) => new CreateScheduleCommand({ Name: name, ScheduleExpression: at,
        FlexibleTimeWindow: { Mode: "OFF" }, Target: { Arn: "arn:aws:sqs:us-east-1:000000000000:q",
        RoleArn: ${JSON.stringify(ROLE_ARN)}, RetryPolicy: { MaximumRetryAttempts: 185 } } });
      await client.send(schedule("later", "at(2099-01-01T00:00:00)"));
      await client.send(schedule("failing", "at(2000-01-01T00:00:00)"));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await server.close();
      console.log("closed");
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });

    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`the process did not exit after close():\n${output}`));
      }, 15_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });

    expect(output).toContain("closed");
    expect(exitCode).toBe(0);
  });
});
