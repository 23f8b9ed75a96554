/**
 * @module What AWS refuses in the calls the platform makes (limits from the Scheduler API reference), worded as AWS
 * words it; then, as such, what the platform never sends: other members (StartDate, Tags, SqsParameters...), a
 * flexible window, a target but SQS, any expression but at() in UTC.
 */
import * as z from "zod/mini";
import { validationError } from "./errors";

export type Json = Record<string, unknown>;
export type ScheduleDefinition = ReturnType<typeof parseCreateSchedule>["definition"];

export const DEFAULT_GROUP = "default";
// The SDK's Target.Input doc: "The maximum size of the Input field is 256 KB."
const INPUT_MAX_BYTES = 256 * 1024;
const TOO_LONG = `Member must be at most ${INPUT_MAX_BYTES} bytes`;
// AWS refuses FIFO dead-letter queues, hence no `.fifo` suffix in the pattern.
const DEAD_LETTER_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[\w-]+$/;
const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const ONLY_AT = "supports only at(yyyy-mm-ddThh:mm:ss) in UTC";
/** What AWS would take but the platform never sends: a ValidationException that says so. */
const unsupportedError = (message: string) => validationError(`The local Scheduler ${message}`);

const name = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[0-9a-zA-Z-_.]+$/));
const clientToken = z.optional(
  z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[a-zA-Z0-9-_]+$/)),
);
const group = z._default(name, DEFAULT_GROUP);
const arn = z.string().check(z.minLength(1), z.maxLength(1600));
const integer = (min: number, max: number) => z.optional(z.int().check(z.gte(min), z.lte(max)));
const fitsInput = z.refine<string>((input) => Buffer.byteLength(input) <= INPUT_MAX_BYTES, {
  message: TOO_LONG,
});

const createSchedule = z.strictObject({
  Name: name,
  GroupName: group,
  ScheduleExpression: z.string().check(z.minLength(1), z.maxLength(256)),
  ScheduleExpressionTimezone: z.optional(z.string().check(z.minLength(1), z.maxLength(50))),
  FlexibleTimeWindow: z.strictObject({
    Mode: z.enum(["OFF", "FLEXIBLE"]),
    MaximumWindowInMinutes: integer(1, 1440),
  }),
  Target: z.strictObject({
    Arn: arn,
    RoleArn: arn.check(z.regex(/^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/)),
    Input: z.optional(z.string().check(z.minLength(1), fitsInput)),
    DeadLetterConfig: z.optional(z.strictObject({ Arn: z.optional(arn.check(z.regex(DEAD_LETTER_ARN))) })),
    RetryPolicy: z.optional(
      z.strictObject({
        MaximumEventAgeInSeconds: integer(60, 86_400),
        MaximumRetryAttempts: integer(0, 185),
      }),
    ),
  }),
  State: z._default(z.enum(["ENABLED", "DISABLED"]), "ENABLED"),
  ActionAfterCompletion: z._default(z.enum(["NONE", "DELETE"]), "NONE"),
  ClientToken: clientToken,
});

export function parseCreateSchedule(input: Json) {
  const { Name, ClientToken, ...request } = parse(createSchedule, input);
  // AWS fires a FLEXIBLE schedule anywhere in its window; the platform's retries are due at their time.
  if (request.FlexibleTimeWindow.Mode !== "OFF")
    throw unsupportedError("supports only FlexibleTimeWindow Mode OFF.");
  const { Arn } = request.Target;
  if (!/^arn:aws(-[a-z]+)?:sqs:/.test(Arn)) throw unsupportedError(`sends only to SQS queues, not ${Arn}.`);
  const dueAt = atTime(request.ScheduleExpression, request.ScheduleExpressionTimezone);
  return { name: Name, clientToken: ClientToken, definition: { ...request, dueAt } };
}

const key = z.strictObject({ Name: name, GroupName: group, ClientToken: clientToken });

/** The schedule a GetSchedule or DeleteSchedule names, or the group a CreateScheduleGroup or GetScheduleGroup does. */
export const parseKey = (input: Json) => parse(key, input);

/** `input` (a request in the SDK's shape) parsed, or refused: by AWS's rules first, then by the emulator's. */
function parse<S extends z.ZodMiniType>(schema: S, input: Json): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const broken = result.error.issues.filter((issue) => issue.code !== "unrecognized_keys");
  const other = result.error.issues.flatMap((i) =>
    i.code === "unrecognized_keys" ? [[...i.path, ...i.keys]] : [],
  )[0];
  if (broken.length === 0 && other) throw unsupportedError(`does not support ${memberPath(other)}.`);
  const count = `${broken.length} validation error${broken.length === 1 ? "" : "s"}`;
  throw validationError(`${count} detected: ${broken.map(violation).join("; ")}`);
}

function violation(issue: z.core.$ZodIssue): string {
  const text = typeof issue.input === "string" ? issue.input : JSON.stringify(issue.input);
  const value = text === undefined ? "null" : `'${text.length > 100 ? `${text.slice(0, 100)}...` : text}'`;
  return `Value ${value} at '${memberPath(issue.path)}' failed to satisfy constraint: ${constraint(issue)}`;
}

function constraint(issue: z.core.$ZodIssue): string {
  const measure = "origin" in issue && issue.origin === "string" ? "length" : "value";
  if (issue.code === "invalid_type")
    return issue.input === undefined ? "Member must not be null" : `Member must be a ${issue.expected}`;
  if (issue.code === "too_small")
    return `Member must have ${measure} greater than or equal to ${issue.minimum}`;
  if (issue.code === "too_big") return `Member must have ${measure} less than or equal to ${issue.maximum}`;
  if (issue.code === "invalid_value")
    return `Member must satisfy enum value set: [${issue.values.join(", ")}]`;
  if (issue.code === "invalid_format" && "pattern" in issue)
    return `Member must satisfy regular expression pattern: ${String(issue.pattern).slice(1, -1)}`;
  return issue.message;
}

/** As AWS names a member: `Target.RoleArn` is `target.roleArn`. */
const memberPath = (path: readonly PropertyKey[]) =>
  path.map((key) => String(key).replace(/^./, lower)).join(".");
const lower = (letter: string) => letter.toLowerCase();

/** The instant an `at(yyyy-mm-ddThh:mm:ss)` names, read in UTC, the one zone supported. */
function atTime(expression: string, timezone: string | undefined): Date {
  if (timezone && timezone !== "UTC")
    throw unsupportedError(`${ONLY_AT}, not ScheduleExpressionTimezone ${timezone}.`);
  const written = AT_EXPRESSION.exec(expression)?.[1];
  if (!written && /^(rate|cron)\(/.test(expression)) throw unsupportedError(`${ONLY_AT}, not ${expression}.`);
  // Date rolls 30 February over into March; AWS refuses a time that is not on the calendar.
  const due = new Date(`${written}Z`);
  const onTheCalendar =
    written !== undefined && !Number.isNaN(due.getTime()) && due.toISOString().startsWith(written);
  if (!onTheCalendar) throw validationError(`Invalid Schedule Expression ${expression}.`);
  return due;
}
