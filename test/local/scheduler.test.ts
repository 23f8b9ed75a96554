import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  type Target,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  SchedulerServiceException,
  UpdateScheduleCommand,
  ValidationException,
} from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type SchedulerServer, type SendToQueue, startSchedulerServer } from "../../local/scheduler";

const ROLE_ARN = "arn:aws:iam::000000000000:role/local-scheduler";
const SERVER_MODULE = fileURLToPath(new URL("../../local/scheduler/index.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ONLY_AT_IN_UTC = "The local Scheduler supports only at(yyyy-mm-ddThh:mm:ss) in UTC";

interface SentMessage {
  queueArn: string;
  body: string;
  sentAt: number;
}

/** Stands in for SQS: records each send and lets a test await the message a schedule delivers. */
function recordingQueues() {
  const sent: SentMessage[] = [];
  const unavailable = new Set<string>();
  const waiters: { queueArn: string; deliver: (message: SentMessage) => void }[] = [];

  const send: SendToQueue = async (queueArn, body) => {
    if (unavailable.has(queueArn)) throw new Error(`queue ${queueArn} is unavailable`);
    const message = { queueArn, body, sentAt: Date.now() };
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
const queueTarget = (changes: Partial<Target>): Target => ({
  Arn: queueArn("q"),
  RoleArn: ROLE_ARN,
  ...changes,
});
const localClient = (endpoint: string) =>
  new SchedulerClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });

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
    server = await startSchedulerServer({ sendToQueue: queues.send });
    client = localClient(server.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  describe("creating, reading and deleting", () => {
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

    it("keeps schedules per group, and GetScheduleGroup describes the group", async () => {
      const group = uniqueName("retries");
      const { ScheduleGroupArn } = await client.send(new CreateScheduleGroupCommand({ Name: group }));
      const input = retrySchedule(inOneDay(), { GroupName: group });

      const created = await client.send(new CreateScheduleCommand(input));
      const described = await client.send(new GetScheduleGroupCommand({ Name: group }));
      const stored = await client.send(new GetScheduleCommand({ Name: input.Name, GroupName: group }));
      const outsideTheGroup = await rejectionOf(client.send(new GetScheduleCommand({ Name: input.Name })));

      expect(ScheduleGroupArn).toBe(`arn:aws:scheduler:us-east-1:000000000000:schedule-group/${group}`);
      expect(described).toMatchObject({ Arn: ScheduleGroupArn, Name: group, State: "ACTIVE" });
      expect(described.CreationDate).toBeInstanceOf(Date);
      expect(created.ScheduleArn).toBe(
        `arn:aws:scheduler:us-east-1:000000000000:schedule/${group}/${input.Name}`,
      );
      expect(stored.GroupName).toBe(group);
      expect(outsideTheGroup).toBeInstanceOf(ResourceNotFoundException);
    });

    it("deletes a schedule so GetSchedule no longer finds it", async () => {
      const input = retrySchedule(inOneDay());
      await client.send(new CreateScheduleCommand(input));

      await client.send(new DeleteScheduleCommand({ Name: input.Name }));

      await expect(client.send(new GetScheduleCommand({ Name: input.Name }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(server.schedules().some((s) => s.Name === input.Name)).toBe(false);
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
      await vi.waitFor(() => expect(server.schedules().some((s) => s.Name === input.Name)).toBe(false));
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

    it("keeps a fired schedule with ActionAfterCompletion NONE, and fires it once", async () => {
      const input = retrySchedule(Date.now() - 1_000, { ActionAfterCompletion: "NONE" });

      await client.send(new CreateScheduleCommand(input));
      await queues.next(input.Target?.Arn ?? "");

      const kept = await client.send(new GetScheduleCommand({ Name: input.Name }));
      expect(kept.State).toBe("ENABLED");
      expect(queues.sent.filter((m) => m.queueArn === input.Target?.Arn)).toHaveLength(1);
    });

    it("never fires a DISABLED schedule", async () => {
      const disabled = retrySchedule(Date.now() - 2_000, { State: "DISABLED" });
      const enabled = retrySchedule(Date.now() - 1_000);

      await client.send(new CreateScheduleCommand(disabled));
      await client.send(new CreateScheduleCommand(enabled));
      await queues.next(enabled.Target?.Arn ?? "");

      // Both were due at once; schedules due together fire in the order they were made, the disabled one first.
      expect(queues.sent.some((m) => m.queueArn === disabled.Target?.Arn)).toBe(false);
      expect(server.schedules().some((s) => s.Name === disabled.Name)).toBe(true);
    });

    it("does not fire a schedule deleted before its time", async () => {
      // A whole second apart, so the control schedule fires after the deleted one would have.
      const deleted = retrySchedule(Date.now() + 1_000);
      const control = retrySchedule(Date.now() + 2_000);

      await client.send(new CreateScheduleCommand(deleted));
      await client.send(new CreateScheduleCommand(control));
      await client.send(new DeleteScheduleCommand({ Name: deleted.Name }));
      await queues.next(control.Target?.Arn ?? "", 5_000);

      expect(queues.sent.some((m) => m.queueArn === deleted.Target?.Arn)).toBe(false);
    });

    it("keeps a schedule due beyond setTimeout's range pending", async () => {
      const distant = retrySchedule(Date.UTC(2099, 0, 1));
      const control = retrySchedule(Date.now());

      await client.send(new CreateScheduleCommand(distant));
      await client.send(new CreateScheduleCommand(control));
      await queues.next(control.Target?.Arn ?? "");

      // An overflowing setTimeout fires after 1 ms, before the control schedule made after it.
      expect(queues.sent.some((m) => m.queueArn === distant.Target?.Arn)).toBe(false);
      expect(
        server
          .schedules()
          .find((s) => s.Name === distant.Name)
          ?.dueAt.toISOString(),
      ).toBe("2099-01-01T00:00:00.000Z");
    });

    it("retries a target that keeps failing, then sends a failure report to the DeadLetterConfig queue", async () => {
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
      await vi.waitFor(() => expect(server.schedules().some((s) => s.Name === name)).toBe(false));
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
      await vi.waitFor(() => expect(server.schedules().some((s) => s.Name === input.Name)).toBe(false));
      const replay = await client.send(new CreateScheduleCommand(input));

      expect(replay.ScheduleArn).toBe(first.ScheduleArn);
      expect(server.schedules().some((s) => s.Name === input.Name)).toBe(false);
      expect(queues.sent.filter((m) => m.queueArn === input.Target?.Arn)).toHaveLength(1);
    });

    it("refuses a ClientToken already used for another schedule with ConflictException", async () => {
      const token = uniqueName("token");
      await client.send(new CreateScheduleCommand(retrySchedule(inOneDay(), { ClientToken: token })));

      const error = await rejectionOf(
        client.send(new CreateScheduleCommand(retrySchedule(inOneDay(), { ClientToken: token }))),
      );

      expect(error).toBeInstanceOf(ConflictException);
    });

    const invalid: { behaviour: string; overrides: Partial<CreateScheduleCommandInput>; message: RegExp }[] =
      [
        {
          behaviour: "refuses a schedule without FlexibleTimeWindow, as AWS does",
          overrides: { FlexibleTimeWindow: undefined },
          message: /Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null/,
        },
        {
          behaviour: "refuses a FlexibleTimeWindow Mode other than OFF or FLEXIBLE",
          overrides: { FlexibleTimeWindow: { Mode: "SOMETIMES" as "OFF" } },
          message: /enum value set: \[OFF, FLEXIBLE\]/,
        },
        {
          behaviour: "refuses a target without RoleArn",
          overrides: { Target: queueTarget({ RoleArn: undefined }) },
          message: /Value null at 'target.roleArn'/,
        },
        {
          behaviour: "refuses a RoleArn that is not an IAM role ARN",
          overrides: { Target: queueTarget({ RoleArn: "local-role" }) },
          message:
            /target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: \^arn/,
        },
        {
          behaviour: "refuses a target without Arn",
          overrides: { Target: queueTarget({ Arn: undefined }) },
          message: /Value null at 'target.arn'/,
        },
        {
          behaviour: "refuses a schedule without Target",
          overrides: { Target: undefined },
          message: /Value null at 'target'/,
        },
        {
          behaviour: "refuses a schedule without ScheduleExpression",
          overrides: { ScheduleExpression: undefined },
          message: /Value null at 'scheduleExpression'/,
        },
        {
          behaviour: "refuses a name with characters outside [0-9a-zA-Z-_.]",
          overrides: { Name: "retry 1/2" },
          message:
            /Value 'retry 1\/2' at 'name' failed to satisfy constraint: Member must satisfy regular expression/,
        },
        {
          behaviour: "refuses a name longer than 64 characters",
          overrides: { Name: "r".repeat(65) },
          message: /at 'name' failed to satisfy constraint: Member must have length less than or equal to 64/,
        },
        {
          behaviour: "refuses a group name with characters outside [0-9a-zA-Z-_.]",
          overrides: { GroupName: "retries:eu" },
          message: /at 'groupName' failed to satisfy constraint/,
        },
        {
          behaviour: "refuses a ClientToken with characters outside [a-zA-Z0-9-_]",
          overrides: { ClientToken: "retry.2" },
          message: /at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression/,
        },
        {
          behaviour: "refuses an expression that is not at(), rate() or cron()",
          overrides: { ScheduleExpression: "in 5 minutes" },
          message: /^Invalid Schedule Expression in 5 minutes\.$/,
        },
        {
          behaviour: "refuses an at() time that is not on the calendar",
          overrides: { ScheduleExpression: "at(2030-02-30T10:00:00)" },
          message: /^Invalid Schedule Expression at\(2030-02-30T10:00:00\)\.$/,
        },
        {
          behaviour: "refuses an at() time not written yyyy-mm-ddThh:mm:ss",
          overrides: { ScheduleExpression: "at(2030-01-01 10:00:00)" },
          message: /^Invalid Schedule Expression/,
        },
        {
          behaviour: "refuses an Input over 256 KB",
          overrides: { Target: queueTarget({ Input: "x".repeat(256 * 1024 + 1) }) },
          message: /at 'target.input' failed to satisfy constraint: Member must be at most 262144 bytes/,
        },
        {
          behaviour: "refuses an ActionAfterCompletion other than NONE or DELETE",
          overrides: { ActionAfterCompletion: "ARCHIVE" as "NONE" },
          message: /actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set/,
        },
        {
          behaviour: "refuses a State other than ENABLED or DISABLED",
          overrides: { State: "PAUSED" as "ENABLED" },
          message: /at 'state' failed to satisfy constraint/,
        },
        {
          behaviour: "refuses a RetryPolicy beyond 185 retry attempts",
          overrides: { Target: queueTarget({ RetryPolicy: { MaximumRetryAttempts: 186 } }) },
          message:
            /maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185/,
        },
        {
          behaviour: "refuses a RetryPolicy that keeps an event for less than 60 seconds",
          overrides: { Target: queueTarget({ RetryPolicy: { MaximumEventAgeInSeconds: 59 } }) },
          message:
            /maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal/,
        },
        {
          behaviour: "refuses a FIFO dead-letter queue",
          overrides: { Target: queueTarget({ DeadLetterConfig: { Arn: queueArn("dlq.fifo") } }) },
          message:
            /'target.deadLetterConfig.arn' failed to satisfy constraint: Member must satisfy regular expression/,
        },
      ];

    it.each(invalid)("$behaviour", async ({ overrides, message }) => {
      const input = retrySchedule(inOneDay(), overrides);

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

    it("refuses to get or delete a schedule that does not exist with ResourceNotFoundException", async () => {
      const name = uniqueName("missing");

      const got = await rejectionOf(client.send(new GetScheduleCommand({ Name: name })));
      const deleted = await rejectionOf(client.send(new DeleteScheduleCommand({ Name: name })));

      expect(got).toBeInstanceOf(ResourceNotFoundException);
      expect(deleted).toBeInstanceOf(ResourceNotFoundException);
    });

    it("refuses a bad name in GetSchedule and DeleteSchedule with ValidationException", async () => {
      const got = await rejectionOf(client.send(new GetScheduleCommand({ Name: "r".repeat(65) })));
      const deleted = await rejectionOf(
        client.send(new DeleteScheduleCommand({ Name: "retry", GroupName: "retries:eu" })),
      );

      expect(got).toBeInstanceOf(ValidationException);
      expect(got.message).toMatch(/at 'name' failed to satisfy constraint/);
      expect(deleted).toBeInstanceOf(ValidationException);
      expect(deleted.message).toMatch(/at 'groupName' failed to satisfy constraint/);
    });

    it("refuses a second group with the same name with ConflictException", async () => {
      const group = uniqueName("retries");
      await client.send(new CreateScheduleGroupCommand({ Name: group }));

      const error = await rejectionOf(client.send(new CreateScheduleGroupCommand({ Name: group })));

      expect(error).toBeInstanceOf(ConflictException);
      expect(error.message).toBe(`Schedule group ${group} already exists.`);
    });

    it("refuses a group name outside [0-9a-zA-Z-_.], and a group that does not exist", async () => {
      const badName = await rejectionOf(client.send(new CreateScheduleGroupCommand({ Name: "retries:eu" })));
      const missing = await rejectionOf(
        client.send(new GetScheduleGroupCommand({ Name: uniqueName("missing") })),
      );

      expect(badName).toBeInstanceOf(ValidationException);
      expect(badName.message).toMatch(/at 'name' failed to satisfy constraint/);
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
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

  describe("refusing what the platform never asks for", () => {
    const unsupported: {
      behaviour: string;
      overrides: Partial<CreateScheduleCommandInput>;
      message: string;
    }[] = [
      {
        behaviour: "refuses a rate() expression",
        overrides: { ScheduleExpression: "rate(5 minutes)" },
        message: `${ONLY_AT_IN_UTC}, not rate(5 minutes).`,
      },
      {
        behaviour: "refuses a cron() expression",
        overrides: { ScheduleExpression: "cron(0 12 * * ? *)" },
        message: `${ONLY_AT_IN_UTC}, not cron(0 12 * * ? *).`,
      },
      {
        behaviour: "refuses a time zone other than UTC",
        overrides: { ScheduleExpressionTimezone: "America/New_York" },
        message: `${ONLY_AT_IN_UTC}, not ScheduleExpressionTimezone America/New_York.`,
      },
      {
        behaviour: "refuses a FLEXIBLE window",
        overrides: { FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 } },
        message: "The local Scheduler supports only FlexibleTimeWindow Mode OFF.",
      },
      {
        behaviour: "refuses a target that is not an SQS queue",
        overrides: { Target: { Arn: "arn:aws:lambda:us-east-1:000000000000:function:f", RoleArn: ROLE_ARN } },
        message:
          "The local Scheduler sends only to SQS queues, not arn:aws:lambda:us-east-1:000000000000:function:f.",
      },
      {
        behaviour: "refuses members the platform does not send, such as StartDate",
        overrides: { StartDate: new Date() },
        message: "The local Scheduler does not support startDate.",
      },
      {
        behaviour: "refuses target parameters the platform does not send, such as SqsParameters",
        overrides: {
          Target: queueTarget({ Arn: queueArn("q.fifo"), SqsParameters: { MessageGroupId: "ep-1" } }),
        },
        message: "The local Scheduler does not support target.sqsParameters.",
      },
    ];

    it.each(unsupported)(
      "$behaviour with a ValidationException that says so",
      async ({ overrides, message }) => {
        const input = retrySchedule(inOneDay(), overrides);

        const error = await rejectionOf(client.send(new CreateScheduleCommand(input)));

        expect(error).toBeInstanceOf(ValidationException);
        expect(error.message).toBe(message);
        expect(server.schedules().some((s) => s.Name === input.Name)).toBe(false);
      },
    );

    it("refuses Tags on a group with a ValidationException that says so", async () => {
      const tagged = new CreateScheduleGroupCommand({
        Name: uniqueName("tagged"),
        Tags: [{ Key: "k", Value: "v" }],
      });

      const error = await rejectionOf(client.send(tagged));

      expect(error).toBeInstanceOf(ValidationException);
      expect(error.message).toBe("The local Scheduler does not support tags.");
    });

    it("answers the operations it does not have as AWS answers an unknown route", async () => {
      const listed = await rejectionOf(client.send(new ListSchedulesCommand({})));
      const updated = await rejectionOf(client.send(new UpdateScheduleCommand(retrySchedule(inOneDay()))));

      for (const error of [listed, updated]) {
        expect(error).toBeInstanceOf(SchedulerServiceException);
        expect(error).toMatchObject({
          name: "UnknownOperationException",
          $metadata: { httpStatusCode: 404 },
        });
      }
      expect(listed.message).toBe(
        "No operation matches GET /schedules: the local Scheduler has only CreateSchedule, GetSchedule, " +
          "DeleteSchedule, CreateScheduleGroup, GetScheduleGroup.",
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
    });
    const client = localClient(local.endpoint);
    const failing = retrySchedule(Date.now() - 1_000, { Name: "failing" });
    failing.Target = { Arn: queueArn("q"), RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 185 } };
    await client.send(new CreateScheduleCommand(failing));
    await client.send(new CreateScheduleCommand(retrySchedule(Date.now() + 300, { Name: "soon" })));
    await called;
    client.destroy();

    // Act
    await local.close();
    const callsAtClose = calls;
    // A negative check needs a wait: longer than the first retry pauses and past the "soon" schedule's time.
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess
    expect(calls).toBe(callsAtClose);
    expect(
      local
        .schedules()
        .map((s) => s.Name)
        .sort(),
    ).toEqual(["failing", "soon"]);
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
