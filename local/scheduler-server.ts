// A local stand-in for the Amazon EventBridge Scheduler API. Nothing else emulates it (LocalStack stores
// schedules but never fires them), so the local run points the real @aws-sdk/client-scheduler here.
//
// Wire protocol (checked against the schemas in @aws-sdk/client-scheduler 3.1169.0, which serialize through
// AwsRestJsonProtocol): REST-JSON, the schedule or group name in the path, timestamps as epoch seconds, and
// errors as `x-amzn-ErrorType: <Type>` plus a `{ "Message": ... }` body.
//   CreateSchedule       POST   /schedules/{Name}          body: the rest, ClientToken auto-filled by the SDK
//   UpdateSchedule       PUT    /schedules/{Name}          body: the full new definition
//   GetSchedule          GET    /schedules/{Name}?groupName=
//   DeleteSchedule       DELETE /schedules/{Name}?groupName=&clientToken=
//   ListSchedules        GET    /schedules?ScheduleGroup=&NamePrefix=&State=&NextToken=&MaxResults=
//   CreateScheduleGroup  POST   /schedule-groups/{Name}    body: { Tags?, ClientToken }
//   GetScheduleGroup     GET    /schedule-groups/{Name}
//   DeleteScheduleGroup  DELETE /schedule-groups/{Name}?clientToken=
//   ListScheduleGroups   GET    /schedule-groups?NamePrefix=&NextToken=&MaxResults=

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// ---------------------------------------------------------------------------------------------------------
// Public types

export type SendToQueue = (queueArn: string, body: string, messageGroupId?: string) => Promise<void>;

export interface SchedulerServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Delivers a fired schedule's Input to its SQS target (and failure reports to its dead-letter queue). */
  sendToQueue: SendToQueue;
  /** Clock for due times and dates; tests may inject one and call `fireDue()`. */
  now?: () => number;
  region?: string;
  accountId?: string;
  log?: (line: string) => void;
  /** First pause between delivery retries; doubles per retry, capped at 1 s. */
  retryBaseDelayMs?: number;
}

export interface FlexibleTimeWindow {
  Mode: FlexibleTimeWindowMode;
  MaximumWindowInMinutes?: number;
}

export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn?: string };
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  SqsParameters?: { MessageGroupId?: string };
  /** Templated-target parameters for other services are stored and echoed, never used. */
  [templatedParameters: string]: unknown;
}

export interface ScheduleView {
  Arn: string;
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: FlexibleTimeWindow;
  Target: ScheduleTarget;
  State: ScheduleState;
  ActionAfterCompletion: ActionAfterCompletion;
  Description?: string;
  CreationDate: Date;
  LastModificationDate: Date;
  ClientToken?: string;
  /** When an `at()` schedule fires; undefined for rate() and cron(). */
  dueAt?: Date;
  /** A one-time schedule that fired and was kept (ActionAfterCompletion NONE). */
  completed: boolean;
}

export interface RecordedRequest {
  operation: string;
  method: string;
  path: string;
  /** The request as the SDK's input shape: path label, query and body members merged. */
  input: Record<string, unknown>;
  receivedAt: number;
  status?: number;
  errorType?: string;
}

export interface FiredSchedule {
  scheduleArn: string;
  name: string;
  groupName: string;
  targetArn: string;
  body: string;
  messageGroupId?: string;
  dueAt: number;
  firedAt: number;
  attempts: number;
  outcome: "delivered" | "dead-lettered" | "failed";
  error?: string;
  deadLetterArn?: string;
}

export interface SchedulerServer {
  /** e.g. http://127.0.0.1:4566: give it to SchedulerClient as `endpoint` or AWS_ENDPOINT_URL_SCHEDULER. */
  endpoint: string;
  schedules(): ScheduleView[];
  requests: RecordedRequest[];
  fired: FiredSchedule[];
  /** Fires every schedule due by `now()` and waits for the deliveries; for tests with an injected clock. */
  fireDue(): Promise<void>;
  close(): Promise<void>;
}

type FlexibleTimeWindowMode = "OFF" | "FLEXIBLE";
type ScheduleState = "ENABLED" | "DISABLED";
type ActionAfterCompletion = "NONE" | "DELETE";

// ---------------------------------------------------------------------------------------------------------
// AWS limits (EventBridge Scheduler API reference and the SDK's model docs)

const DEFAULT_GROUP = "default";
const NAME_PATTERN = /^[0-9a-zA-Z-_.]+$/;
const NAME_MAX_LENGTH = 64;
const CLIENT_TOKEN_PATTERN = /^[a-zA-Z0-9-_]+$/;
const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
// AWS refuses FIFO dead-letter queues, hence no `.fifo` suffix in the pattern.
const DEAD_LETTER_ARN_PATTERN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9-_]+$/;
const ARN_MAX_LENGTH = 1600;
// The SDK's Target.Input doc: "The maximum size of the Input field is 256 KB."
const INPUT_MAX_BYTES = 256 * 1024;
const EXPRESSION_MAX_LENGTH = 256;
const TIMEZONE_MAX_LENGTH = 50;
const DESCRIPTION_MAX_LENGTH = 512;
const MESSAGE_GROUP_ID_MAX_LENGTH = 128;
const STATES = ["ENABLED", "DISABLED"] as const;
const ACTIONS_AFTER_COMPLETION = ["NONE", "DELETE"] as const;
const WINDOW_MODES = ["OFF", "FLEXIBLE"] as const;
const LIST_MAX_RESULTS = 100;

// Local delivery policy: AWS retries for up to 185 attempts over 24 h by default; locally a few quick ones.
const DEFAULT_LOCAL_RETRIES = 2;
const AWS_DEFAULT_RETRIES = 185;
const AWS_DEFAULT_EVENT_AGE_SECONDS = 86_400;
const RETRY_DELAY_CAP_MS = 1_000;
// setTimeout stores its delay in a signed 32-bit integer.
const MAX_TIMER_DELAY_MS = 2_147_483_647;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Errors, shaped so the SDK raises its own exception classes

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string) => new ApiError(400, "ValidationException", message);
const notFound = (message: string) => new ApiError(404, "ResourceNotFoundException", message);
const conflict = (message: string) => new ApiError(409, "ConflictException", message);

/** Collects constraint failures and reports them the way AWS's request validation words them. */
class Violations {
  private readonly messages: string[] = [];

  add(value: unknown, path: string, constraint: string): void {
    const shown = value === undefined || value === null ? "null" : `'${String(value)}'`;
    this.messages.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  throwIfAny(): void {
    const count = this.messages.length;
    if (count === 0) return;
    const noun = count === 1 ? "validation error" : "validation errors";
    throw validation(`${count} ${noun} detected: ${this.messages.join("; ")}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading request members

type Json = Record<string, unknown>;

interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  oneOf?: readonly string[];
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readString(v: Violations, source: Json, key: string, path: string, rule: StringRule = {}) {
  const value = source[key];
  if (value === undefined || value === null) {
    if (rule.required) v.add(value, path, "Member must not be null");
    return undefined;
  }
  if (typeof value !== "string") {
    v.add(JSON.stringify(value), path, "Member must be a string");
    return undefined;
  }
  checkString(v, value, path, rule);
  return value;
}

function checkString(v: Violations, value: string, path: string, rule: StringRule): void {
  if (rule.min !== undefined && value.length < rule.min) {
    v.add(value, path, `Member must have length greater than or equal to ${rule.min}`);
  }
  if (rule.max !== undefined && value.length > rule.max) {
    v.add(value, path, `Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern && value.length > 0 && !rule.pattern.test(value)) {
    v.add(value, path, `Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  }
  if (rule.oneOf && !rule.oneOf.includes(value)) {
    v.add(value, path, `Member must satisfy enum value set: [${rule.oneOf.join(", ")}]`);
  }
}

function readInteger(v: Violations, source: Json, key: string, path: string, min: number, max: number) {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    v.add(JSON.stringify(value), path, "Member must be an integer");
    return undefined;
  }
  if (value < min) v.add(value, path, `Member must have value greater than or equal to ${min}`);
  if (value > max) v.add(value, path, `Member must have value less than or equal to ${max}`);
  return value;
}

function readStructure(v: Violations, source: Json, key: string, path: string, required = false) {
  const value = source[key];
  if (value === undefined || value === null) {
    if (required) v.add(value, path, "Member must not be null");
    return undefined;
  }
  if (!isRecord(value)) {
    v.add(JSON.stringify(value), path, "Member must be a structure");
    return undefined;
  }
  return value;
}

function readEpochSeconds(v: Violations, source: Json, key: string, path: string) {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    v.add(JSON.stringify(value), path, "Member must be a timestamp in epoch seconds");
    return undefined;
  }
  return value;
}

function nameRule(required: boolean): StringRule {
  return { required, min: 1, max: NAME_MAX_LENGTH, pattern: NAME_PATTERN };
}

// ---------------------------------------------------------------------------------------------------------
// Schedule expressions and time zones

type Timing = { kind: "at"; dueAt: number } | { kind: "recurring" };

const AT_EXPRESSION = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE_EXPRESSION = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON_EXPRESSION = /^cron\(([^()]+)\)$/;
const CRON_FIELD_COUNT = 6;

/** Parses the expression; `at()` times are wall-clock times in `timeZone`, as AWS reads them. */
function parseExpression(expression: string, timeZone: string): Timing {
  const wallTime = parseAtWallTime(expression);
  if (wallTime !== undefined) return { kind: "at", dueAt: wallTimeToEpochMs(wallTime, timeZone) };
  // rate() and cron() are stored and listed like AWS does, but this emulator never fires them: the platform
  // only creates one-time retry schedules.
  if (isRateExpression(expression) || isCronExpression(expression)) return { kind: "recurring" };
  throw validation(`Invalid Schedule Expression ${expression}.`);
}

/** The `at()` time read as if it were UTC, in ms; undefined when the text is not a real calendar time. */
function parseAtWallTime(expression: string): number | undefined {
  const match = AT_EXPRESSION.exec(expression);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wallTime = Date.UTC(year, month - 1, day, hour, minute, second);
  const probe = new Date(wallTime);
  const roundTrips =
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    probe.getUTCHours() === hour &&
    probe.getUTCMinutes() === minute &&
    probe.getUTCSeconds() === second;
  return roundTrips ? wallTime : undefined;
}

function isRateExpression(expression: string): boolean {
  const match = RATE_EXPRESSION.exec(expression);
  return match !== null && Number(match[1]) >= 1;
}

function isCronExpression(expression: string): boolean {
  const match = CRON_EXPRESSION.exec(expression);
  return match?.[1] !== undefined && match[1].trim().split(/\s+/).length === CRON_FIELD_COUNT;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

// AWS takes IANA names only; Intl would also take UTC offsets such as "+01:00" on newer Node versions.
function isIanaTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z]/.test(timeZone)) return false;
  try {
    zoneFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** How far `timeZone`'s wall clock is ahead of UTC at the instant `epochMs`. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const parts = zoneFormatter(timeZone).formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wallTime = Date.UTC(
    part("year"),
    part("month") - 1,
    part("day"),
    part("hour"),
    part("minute"),
    part("second"),
  );
  return wallTime - (epochMs - (epochMs % 1000));
}

function wallTimeToEpochMs(wallTime: number, timeZone: string): number {
  // The second pass settles times near a daylight-saving change, where the first guess used the other offset.
  const firstGuess = wallTime - zoneOffsetMs(wallTime, timeZone);
  return wallTime - zoneOffsetMs(firstGuess, timeZone);
}

// ---------------------------------------------------------------------------------------------------------
// Parsing CreateSchedule / UpdateSchedule

interface ScheduleDefinition {
  groupName: string;
  expression: string;
  timezone?: string;
  window: FlexibleTimeWindow;
  target: ScheduleTarget;
  state: ScheduleState;
  action: ActionAfterCompletion;
  description?: string;
  startDate?: number;
  endDate?: number;
  kmsKeyArn?: string;
  clientToken?: string;
  timing: Timing;
}

function parseScheduleDefinition(name: string, body: Json): ScheduleDefinition {
  const v = new Violations();
  checkString(v, name, "name", nameRule(true));
  const groupName = readString(v, body, "GroupName", "groupName", nameRule(false)) ?? DEFAULT_GROUP;
  const expression = readString(v, body, "ScheduleExpression", "scheduleExpression", {
    required: true,
    min: 1,
    max: EXPRESSION_MAX_LENGTH,
  });
  const timezone = readString(v, body, "ScheduleExpressionTimezone", "scheduleExpressionTimezone", {
    min: 1,
    max: TIMEZONE_MAX_LENGTH,
  });
  const window = parseFlexibleTimeWindow(v, body);
  const target = parseTarget(v, body);
  const state = readString(v, body, "State", "state", { oneOf: STATES }) as ScheduleState | undefined;
  const action = readString(v, body, "ActionAfterCompletion", "actionAfterCompletion", {
    oneOf: ACTIONS_AFTER_COMPLETION,
  }) as ActionAfterCompletion | undefined;
  const description = readString(v, body, "Description", "description", { max: DESCRIPTION_MAX_LENGTH });
  const startDate = readEpochSeconds(v, body, "StartDate", "startDate");
  const endDate = readEpochSeconds(v, body, "EndDate", "endDate");
  const kmsKeyArn = readString(v, body, "KmsKeyArn", "kmsKeyArn", { min: 1, max: 2048 });
  const clientToken = readString(v, body, "ClientToken", "clientToken", {
    min: 1,
    max: 64,
    pattern: CLIENT_TOKEN_PATTERN,
  });
  v.throwIfAny();
  if (expression === undefined || window === undefined || target === undefined) {
    throw validation("Missing required members.");
  }
  if (timezone !== undefined && !isIanaTimeZone(timezone)) {
    throw validation(`Invalid ScheduleExpressionTimezone ${timezone}.`);
  }
  return {
    groupName,
    expression,
    timezone,
    window,
    target,
    state: state ?? "ENABLED",
    action: action ?? "NONE",
    description,
    startDate,
    endDate,
    kmsKeyArn,
    clientToken,
    timing: parseExpression(expression, timezone ?? "UTC"),
  };
}

function parseFlexibleTimeWindow(v: Violations, body: Json): FlexibleTimeWindow | undefined {
  const raw = readStructure(v, body, "FlexibleTimeWindow", "flexibleTimeWindow", true);
  if (!raw) return undefined;
  const mode = readString(v, raw, "Mode", "flexibleTimeWindow.mode", { required: true, oneOf: WINDOW_MODES });
  const minutes = readInteger(
    v,
    raw,
    "MaximumWindowInMinutes",
    "flexibleTimeWindow.maximumWindowInMinutes",
    1,
    1440,
  );
  if (mode === "FLEXIBLE" && minutes === undefined) {
    // AWS needs the window's width whenever the window is flexible.
    v.add(
      undefined,
      "flexibleTimeWindow.maximumWindowInMinutes",
      "Member must not be null when mode is FLEXIBLE",
    );
  }
  if (mode === undefined) return undefined;
  const window: FlexibleTimeWindow = { Mode: mode as FlexibleTimeWindowMode };
  if (minutes !== undefined) window.MaximumWindowInMinutes = minutes;
  return window;
}

function parseTarget(v: Violations, body: Json): ScheduleTarget | undefined {
  const raw = readStructure(v, body, "Target", "target", true);
  if (!raw) return undefined;
  const arn = readString(v, raw, "Arn", "target.arn", { required: true, min: 1, max: ARN_MAX_LENGTH });
  const roleArn = readString(v, raw, "RoleArn", "target.roleArn", {
    required: true,
    min: 1,
    max: ARN_MAX_LENGTH,
    pattern: ROLE_ARN_PATTERN,
  });
  const input = readString(v, raw, "Input", "target.input", { min: 1 });
  if (input !== undefined && Buffer.byteLength(input, "utf8") > INPUT_MAX_BYTES) {
    v.add(`${input.slice(0, 32)}...`, "target.input", `Member must be at most ${INPUT_MAX_BYTES} bytes`);
  }
  checkDeadLetterConfig(v, raw);
  checkRetryPolicy(v, raw);
  checkSqsParameters(v, raw);
  if (arn === undefined || roleArn === undefined) return undefined;
  return { ...raw, Arn: arn, RoleArn: roleArn };
}

function checkDeadLetterConfig(v: Violations, target: Json): void {
  const config = readStructure(v, target, "DeadLetterConfig", "target.deadLetterConfig");
  if (!config) return;
  readString(v, config, "Arn", "target.deadLetterConfig.arn", {
    min: 1,
    max: ARN_MAX_LENGTH,
    pattern: DEAD_LETTER_ARN_PATTERN,
  });
}

function checkRetryPolicy(v: Violations, target: Json): void {
  const policy = readStructure(v, target, "RetryPolicy", "target.retryPolicy");
  if (!policy) return;
  readInteger(
    v,
    policy,
    "MaximumEventAgeInSeconds",
    "target.retryPolicy.maximumEventAgeInSeconds",
    60,
    86_400,
  );
  readInteger(v, policy, "MaximumRetryAttempts", "target.retryPolicy.maximumRetryAttempts", 0, 185);
}

function checkSqsParameters(v: Violations, target: Json): void {
  const parameters = readStructure(v, target, "SqsParameters", "target.sqsParameters");
  if (!parameters) return;
  readString(v, parameters, "MessageGroupId", "target.sqsParameters.messageGroupId", {
    min: 1,
    max: MESSAGE_GROUP_ID_MAX_LENGTH,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Stored state

interface StoredSchedule extends Omit<ScheduleDefinition, "timing"> {
  name: string;
  arn: string;
  createdAt: number;
  modifiedAt: number;
  dueAt?: number;
  /** Bumped on every create/update so a timer entry for an older definition is ignored. */
  generation: number;
  completed: boolean;
}

interface StoredGroup {
  name: string;
  arn: string;
  createdAt: number;
  modifiedAt: number;
  tags: unknown;
  schedules: Map<string, StoredSchedule>;
}

interface DueEntry {
  dueAt: number;
  groupName: string;
  name: string;
  generation: number;
}

/** A binary min-heap of due times; stale entries are skipped when they surface. */
class DueQueue {
  private readonly items: DueEntry[] = [];

  push(entry: DueEntry): void {
    const items = this.items;
    items.push(entry);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.dueAt(parent) <= this.dueAt(index)) break;
      this.swap(parent, index);
      index = parent;
    }
  }

  peek(): DueEntry | undefined {
    return this.items[0];
  }

  pop(): DueEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.items.length && this.dueAt(left) < this.dueAt(smallest)) smallest = left;
      if (right < this.items.length && this.dueAt(right) < this.dueAt(smallest)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private dueAt(index: number): number {
    return this.items[index]?.dueAt ?? Number.POSITIVE_INFINITY;
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    const first = items[a];
    const second = items[b];
    if (first === undefined || second === undefined) return;
    items[a] = second;
    items[b] = first;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The emulator: operations, firing and delivery

interface DeliveryResult {
  ok: boolean;
  attempts: number;
  error?: string;
  exhaustedBy?: "MaximumRetryAttempts" | "MaximumEventAgeInSeconds";
}

interface ListPage<T> {
  items: T[];
  nextToken?: string;
}

class SchedulerEmulator {
  readonly fired: FiredSchedule[] = [];
  private readonly groups = new Map<string, StoredGroup>();
  private readonly createTokens = new Map<string, { groupName: string; name: string; arn: string }>();
  private readonly deleteTokens = new Map<string, string>();
  private readonly groupTokens = new Map<string, string>();
  private readonly due = new DueQueue();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt: number | undefined;
  private generation = 0;
  private closed = false;

  constructor(
    private readonly sendToQueue: SendToQueue,
    private readonly now: () => number,
    private readonly region: string,
    private readonly accountId: string,
    private readonly log: (line: string) => void,
    private readonly retryBaseDelayMs: number,
  ) {
    this.groups.set(DEFAULT_GROUP, this.newGroup(DEFAULT_GROUP, undefined));
  }

  // --- schedules

  createSchedule(name: string, body: Json): Json {
    const definition = parseScheduleDefinition(name, body);
    const replay = this.replayedCreate(definition.clientToken, definition.groupName, name);
    if (replay) return { ScheduleArn: replay };
    const group = this.requireGroup(definition.groupName);
    if (group.schedules.has(name)) throw conflict(`Schedule ${name} already exists.`);
    const at = this.now();
    const schedule: StoredSchedule = {
      ...withoutTiming(definition),
      name,
      arn: this.scheduleArn(definition.groupName, name),
      createdAt: at,
      modifiedAt: at,
      generation: 0,
      completed: false,
    };
    group.schedules.set(name, schedule);
    if (definition.clientToken) {
      this.createTokens.set(definition.clientToken, { groupName: group.name, name, arn: schedule.arn });
    }
    this.plan(schedule, definition.timing);
    return { ScheduleArn: schedule.arn };
  }

  updateSchedule(name: string, body: Json): Json {
    const definition = parseScheduleDefinition(name, body);
    const current = this.requireSchedule(definition.groupName, name);
    const schedule: StoredSchedule = {
      ...withoutTiming(definition),
      name,
      arn: current.arn,
      createdAt: current.createdAt,
      modifiedAt: this.now(),
      generation: 0,
      completed: false,
    };
    this.requireGroup(definition.groupName).schedules.set(name, schedule);
    this.plan(schedule, definition.timing);
    return { ScheduleArn: schedule.arn };
  }

  getSchedule(name: string, groupName: string): Json {
    checkScheduleKey(name, groupName);
    return describeSchedule(this.requireSchedule(groupName, name));
  }

  deleteSchedule(name: string, groupName: string, clientToken: string | undefined): Json {
    const key = `${groupName}/${name}`;
    // A retried DeleteSchedule carries the same token and succeeds, as AWS idempotency promises.
    if (clientToken && this.deleteTokens.get(clientToken) === key) return {};
    checkScheduleKey(name, groupName);
    this.requireSchedule(groupName, name);
    this.groups.get(groupName)?.schedules.delete(name);
    if (clientToken) this.deleteTokens.set(clientToken, key);
    this.arm();
    return {};
  }

  listSchedules(query: URLSearchParams): Json {
    const v = new Violations();
    const filters = Object.fromEntries(query.entries());
    const groupName = readString(v, filters, "ScheduleGroup", "groupName", nameRule(false));
    const prefix = readString(v, filters, "NamePrefix", "namePrefix", nameRule(false));
    const state = readString(v, filters, "State", "state", { oneOf: STATES });
    const maxResults = readMaxResults(v, query);
    v.throwIfAny();
    const matching = this.allSchedules().filter(
      (s) =>
        (groupName === undefined || s.groupName === groupName) &&
        (prefix === undefined || s.name.startsWith(prefix)) &&
        (state === undefined || s.state === state),
    );
    const page = paginate(matching, query.get("NextToken") ?? undefined, maxResults);
    return { Schedules: page.items.map(summarizeSchedule), NextToken: page.nextToken };
  }

  views(): ScheduleView[] {
    return this.allSchedules().map(viewSchedule);
  }

  // --- groups

  createGroup(name: string, body: Json): Json {
    const v = new Violations();
    checkString(v, name, "name", nameRule(true));
    const clientToken = readString(v, body, "ClientToken", "clientToken", {
      min: 1,
      max: 64,
      pattern: CLIENT_TOKEN_PATTERN,
    });
    v.throwIfAny();
    const existing = this.groups.get(name);
    if (existing && clientToken && this.groupTokens.get(clientToken) === name) {
      return { ScheduleGroupArn: existing.arn };
    }
    if (existing) throw conflict(`Schedule group ${name} already exists.`);
    const group = this.newGroup(name, body.Tags);
    this.groups.set(name, group);
    if (clientToken) this.groupTokens.set(clientToken, name);
    return { ScheduleGroupArn: group.arn };
  }

  getGroup(name: string): Json {
    return describeGroup(this.requireGroup(name));
  }

  deleteGroup(name: string): Json {
    // AWS keeps the default group for the life of the account.
    if (name === DEFAULT_GROUP) throw validation("The default schedule group cannot be deleted.");
    this.requireGroup(name);
    // AWS deletes the group's schedules with it (asynchronously); here at once.
    this.groups.delete(name);
    this.arm();
    return {};
  }

  listGroups(query: URLSearchParams): Json {
    const v = new Violations();
    const prefix = readString(
      v,
      Object.fromEntries(query.entries()),
      "NamePrefix",
      "namePrefix",
      nameRule(false),
    );
    const maxResults = readMaxResults(v, query);
    v.throwIfAny();
    const matching = [...this.groups.values()].filter(
      (g) => prefix === undefined || g.name.startsWith(prefix),
    );
    const page = paginate(matching, query.get("NextToken") ?? undefined, maxResults);
    return { ScheduleGroups: page.items.map(describeGroup), NextToken: page.nextToken };
  }

  // --- firing

  async fireDue(): Promise<void> {
    await Promise.all(this.startDueFirings());
    this.arm();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due.clear();
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.wake();
    }
    this.sleeps.clear();
  }

  private plan(schedule: StoredSchedule, timing: Timing): void {
    this.generation += 1;
    schedule.generation = this.generation;
    if (timing.kind !== "at") return;
    schedule.dueAt = timing.dueAt;
    if (schedule.state === "ENABLED") {
      this.due.push({
        dueAt: timing.dueAt,
        groupName: schedule.groupName,
        name: schedule.name,
        generation: this.generation,
      });
    }
    this.arm();
  }

  /** Keeps exactly one timer, set for the earliest live due time. */
  private arm(): void {
    if (this.closed) return;
    this.dropStaleEntries();
    const next = this.due.peek();
    if (next === undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer && this.timerDueAt === next.dueAt) return;
    clearTimeout(this.timer);
    const delay = Math.min(Math.max(next.dueAt - this.now(), 0), MAX_TIMER_DELAY_MS);
    this.timerDueAt = next.dueAt;
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    for (const firing of this.startDueFirings()) {
      firing.catch((error: unknown) => this.log(`[scheduler] firing failed: ${String(error)}`));
    }
    this.arm();
  }

  private dropStaleEntries(): void {
    for (let entry = this.due.peek(); entry && !this.liveSchedule(entry); entry = this.due.peek()) {
      this.due.pop();
    }
  }

  private startDueFirings(): Promise<void>[] {
    const firings: Promise<void>[] = [];
    const at = this.now();
    for (let entry = this.due.peek(); entry && entry.dueAt <= at; entry = this.due.peek()) {
      this.due.pop();
      const schedule = this.liveSchedule(entry);
      if (schedule) firings.push(this.fire(schedule, entry.dueAt));
    }
    return firings;
  }

  private liveSchedule(entry: DueEntry): StoredSchedule | undefined {
    const schedule = this.groups.get(entry.groupName)?.schedules.get(entry.name);
    const live =
      schedule?.generation === entry.generation && schedule.state === "ENABLED" && !schedule.completed;
    return live ? schedule : undefined;
  }

  private async fire(schedule: StoredSchedule, dueAt: number): Promise<void> {
    const { target, generation } = schedule;
    const body = target.Input ?? "";
    const messageGroupId = target.SqsParameters?.MessageGroupId;
    const firedAt = this.now();
    const delivery = await this.deliver(target.Arn, body, messageGroupId, target.RetryPolicy);
    if (this.closed) return;
    const record: FiredSchedule = {
      scheduleArn: schedule.arn,
      name: schedule.name,
      groupName: schedule.groupName,
      targetArn: target.Arn,
      body,
      messageGroupId,
      dueAt,
      firedAt,
      attempts: delivery.attempts,
      outcome: "delivered",
    };
    if (!delivery.ok) await this.reportFailure(schedule, record, delivery);
    this.complete(schedule, generation);
    this.fired.push(record);
    this.log(`[scheduler] fired ${schedule.groupName}/${schedule.name} -> ${target.Arn}: ${record.outcome}`);
  }

  private async deliver(
    queueArn: string,
    body: string,
    messageGroupId: string | undefined,
    policy: ScheduleTarget["RetryPolicy"],
  ): Promise<DeliveryResult> {
    const maxRetries = policy ? (policy.MaximumRetryAttempts ?? AWS_DEFAULT_RETRIES) : DEFAULT_LOCAL_RETRIES;
    const maxAgeMs = (policy?.MaximumEventAgeInSeconds ?? AWS_DEFAULT_EVENT_AGE_SECONDS) * 1000;
    const startedAt = this.now();
    for (let attempt = 1; ; attempt += 1) {
      const error = await this.trySend(queueArn, body, messageGroupId);
      if (error === undefined) return { ok: true, attempts: attempt };
      if (attempt > maxRetries)
        return { ok: false, attempts: attempt, error, exhaustedBy: "MaximumRetryAttempts" };
      if (this.now() - startedAt >= maxAgeMs) {
        return { ok: false, attempts: attempt, error, exhaustedBy: "MaximumEventAgeInSeconds" };
      }
      await this.sleep(Math.min(this.retryBaseDelayMs * 2 ** (attempt - 1), RETRY_DELAY_CAP_MS));
      if (this.closed) return { ok: false, attempts: attempt, error };
    }
  }

  /** Resolves with the error text, or undefined once the queue took the message. */
  private async trySend(queueArn: string, body: string, messageGroupId: string | undefined) {
    try {
      await this.sendToQueue(queueArn, body, messageGroupId);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  // AWS sends the dead-letter event's details as SQS message attributes; sendToQueue carries a body only, so
  // the same fields travel here as a JSON body, next to the Input that could not be delivered.
  private async reportFailure(schedule: StoredSchedule, record: FiredSchedule, delivery: DeliveryResult) {
    record.outcome = "failed";
    record.error = delivery.error;
    const deadLetterArn = schedule.target.DeadLetterConfig?.Arn;
    if (!deadLetterArn) return;
    const report = {
      ERROR_CODE: "LocalSendToQueueFailed",
      ERROR_MESSAGE: delivery.error,
      EXHAUSTED_RETRY_CONDITION: delivery.exhaustedBy,
      RETRY_ATTEMPTS: delivery.attempts - 1,
      SCHEDULE_ARN: schedule.arn,
      TARGET_ARN: schedule.target.Arn,
      INVOCATION_ID: randomUUID(),
      Input: record.body,
    };
    const error = await this.trySend(deadLetterArn, JSON.stringify(report), undefined);
    if (error === undefined) {
      record.outcome = "dead-lettered";
      record.deadLetterArn = deadLetterArn;
    } else {
      record.error = `${delivery.error}; dead-letter queue refused too: ${error}`;
    }
  }

  /** A one-time schedule runs once; DELETE removes it afterwards, NONE keeps it (still ENABLED, like AWS). */
  private complete(schedule: StoredSchedule, generation: number): void {
    const group = this.groups.get(schedule.groupName);
    const current = group?.schedules.get(schedule.name);
    if (current?.generation !== generation) return;
    if (schedule.action === "DELETE") group?.schedules.delete(schedule.name);
    else current.completed = true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleep = { timer: setTimeout(() => wake(), ms), wake: () => wake() };
      const wake = () => {
        this.sleeps.delete(sleep);
        resolve();
      };
      sleep.timer.unref();
      this.sleeps.add(sleep);
    });
  }

  // --- helpers

  private replayedCreate(
    clientToken: string | undefined,
    groupName: string,
    name: string,
  ): string | undefined {
    const earlier = clientToken ? this.createTokens.get(clientToken) : undefined;
    if (!earlier) return undefined;
    if (earlier.groupName !== groupName || earlier.name !== name) {
      throw conflict(
        `ClientToken ${clientToken} was already used for schedule ${earlier.groupName}/${earlier.name}.`,
      );
    }
    // Same token, same schedule: a retried request gets the first answer, even after the schedule fired.
    return earlier.arn;
  }

  private requireGroup(name: string): StoredGroup {
    const group = this.groups.get(name);
    if (!group) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  }

  private requireSchedule(groupName: string, name: string): StoredSchedule {
    const schedule = this.requireGroup(groupName).schedules.get(name);
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  }

  private allSchedules(): StoredSchedule[] {
    return [...this.groups.values()].flatMap((group) => [...group.schedules.values()]);
  }

  private newGroup(name: string, tags: unknown): StoredGroup {
    const at = this.now();
    const arn = `arn:aws:scheduler:${this.region}:${this.accountId}:schedule-group/${name}`;
    return { name, arn, createdAt: at, modifiedAt: at, tags, schedules: new Map() };
  }

  private scheduleArn(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.region}:${this.accountId}:schedule/${groupName}/${name}`;
  }
}

function checkScheduleKey(name: string, groupName: string): void {
  const v = new Violations();
  checkString(v, name, "name", nameRule(true));
  checkString(v, groupName, "groupName", nameRule(true));
  v.throwIfAny();
}

function withoutTiming(definition: ScheduleDefinition): Omit<ScheduleDefinition, "timing"> {
  const { timing: _timing, ...rest } = definition;
  return rest;
}

function readMaxResults(v: Violations, query: URLSearchParams): number {
  const raw = query.get("MaxResults");
  if (raw === null) return LIST_MAX_RESULTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > LIST_MAX_RESULTS) {
    v.add(raw, "maxResults", `Member must be an integer between 1 and ${LIST_MAX_RESULTS}`);
  }
  return value;
}

function paginate<T>(items: T[], nextToken: string | undefined, maxResults: number): ListPage<T> {
  const start = nextToken === undefined ? 0 : Number(Buffer.from(nextToken, "base64url").toString("utf8"));
  if (!Number.isInteger(start) || start < 0) throw validation("Invalid NextToken.");
  const end = start + maxResults;
  const page: ListPage<T> = { items: items.slice(start, end) };
  if (end < items.length) page.nextToken = Buffer.from(String(end), "utf8").toString("base64url");
  return page;
}

const epochSeconds = (ms: number) => ms / 1000;

function describeSchedule(s: StoredSchedule): Json {
  return {
    Arn: s.arn,
    GroupName: s.groupName,
    Name: s.name,
    ScheduleExpression: s.expression,
    StartDate: s.startDate,
    EndDate: s.endDate,
    Description: s.description,
    ScheduleExpressionTimezone: s.timezone,
    State: s.state,
    CreationDate: epochSeconds(s.createdAt),
    LastModificationDate: epochSeconds(s.modifiedAt),
    KmsKeyArn: s.kmsKeyArn,
    Target: s.target,
    FlexibleTimeWindow: s.window,
    ActionAfterCompletion: s.action,
  };
}

function summarizeSchedule(s: StoredSchedule): Json {
  return {
    Arn: s.arn,
    Name: s.name,
    GroupName: s.groupName,
    State: s.state,
    CreationDate: epochSeconds(s.createdAt),
    LastModificationDate: epochSeconds(s.modifiedAt),
    Target: { Arn: s.target.Arn },
  };
}

function describeGroup(g: StoredGroup): Json {
  return {
    Arn: g.arn,
    Name: g.name,
    State: "ACTIVE",
    CreationDate: epochSeconds(g.createdAt),
    LastModificationDate: epochSeconds(g.modifiedAt),
  };
}

function viewSchedule(s: StoredSchedule): ScheduleView {
  const view: ScheduleView = {
    Arn: s.arn,
    Name: s.name,
    GroupName: s.groupName,
    ScheduleExpression: s.expression,
    FlexibleTimeWindow: s.window,
    Target: s.target,
    State: s.state,
    ActionAfterCompletion: s.action,
    CreationDate: new Date(s.createdAt),
    LastModificationDate: new Date(s.modifiedAt),
    completed: s.completed,
  };
  if (s.timezone !== undefined) view.ScheduleExpressionTimezone = s.timezone;
  if (s.description !== undefined) view.Description = s.description;
  if (s.clientToken !== undefined) view.ClientToken = s.clientToken;
  if (s.dueAt !== undefined) view.dueAt = new Date(s.dueAt);
  return view;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

interface RouteContext {
  label: string;
  query: URLSearchParams;
  body: Json;
}

interface Route {
  method: string;
  path: RegExp;
  operation: string;
  /** The request in the SDK's input shape, for `requests`. */
  input: (context: RouteContext) => Json;
  handle: (emulator: SchedulerEmulator, context: RouteContext) => Json;
}

const groupNameOf = (query: URLSearchParams) => query.get("groupName") ?? DEFAULT_GROUP;
const SCHEDULE_PATH = /^\/schedules\/([^/]*)$/;
const GROUP_PATH = /^\/schedule-groups\/([^/]*)$/;

const ROUTES: Route[] = [
  {
    method: "POST",
    path: SCHEDULE_PATH,
    operation: "CreateSchedule",
    input: ({ label, body }) => ({ Name: label, ...body }),
    handle: (e, { label, body }) => e.createSchedule(label, body),
  },
  {
    method: "PUT",
    path: SCHEDULE_PATH,
    operation: "UpdateSchedule",
    input: ({ label, body }) => ({ Name: label, ...body }),
    handle: (e, { label, body }) => e.updateSchedule(label, body),
  },
  {
    method: "GET",
    path: SCHEDULE_PATH,
    operation: "GetSchedule",
    input: ({ label, query }) => ({ Name: label, GroupName: query.get("groupName") ?? undefined }),
    handle: (e, { label, query }) => e.getSchedule(label, groupNameOf(query)),
  },
  {
    method: "DELETE",
    path: SCHEDULE_PATH,
    operation: "DeleteSchedule",
    input: ({ label, query }) => ({
      Name: label,
      GroupName: query.get("groupName") ?? undefined,
      ClientToken: query.get("clientToken") ?? undefined,
    }),
    handle: (e, { label, query }) =>
      e.deleteSchedule(label, groupNameOf(query), query.get("clientToken") ?? undefined),
  },
  {
    method: "GET",
    path: /^\/schedules\/?$/,
    operation: "ListSchedules",
    input: ({ query }) => ({
      GroupName: query.get("ScheduleGroup") ?? undefined,
      NamePrefix: query.get("NamePrefix") ?? undefined,
      State: query.get("State") ?? undefined,
      NextToken: query.get("NextToken") ?? undefined,
      MaxResults: query.has("MaxResults") ? Number(query.get("MaxResults")) : undefined,
    }),
    handle: (e, { query }) => e.listSchedules(query),
  },
  {
    method: "POST",
    path: GROUP_PATH,
    operation: "CreateScheduleGroup",
    input: ({ label, body }) => ({ Name: label, ...body }),
    handle: (e, { label, body }) => e.createGroup(label, body),
  },
  {
    method: "GET",
    path: GROUP_PATH,
    operation: "GetScheduleGroup",
    input: ({ label }) => ({ Name: label }),
    handle: (e, { label }) => e.getGroup(label),
  },
  {
    method: "DELETE",
    path: GROUP_PATH,
    operation: "DeleteScheduleGroup",
    input: ({ label, query }) => ({ Name: label, ClientToken: query.get("clientToken") ?? undefined }),
    handle: (e, { label }) => e.deleteGroup(label),
  },
  {
    method: "GET",
    path: /^\/schedule-groups\/?$/,
    operation: "ListScheduleGroups",
    input: ({ query }) => ({
      NamePrefix: query.get("NamePrefix") ?? undefined,
      NextToken: query.get("NextToken") ?? undefined,
      MaxResults: query.has("MaxResults") ? Number(query.get("MaxResults")) : undefined,
    }),
    handle: (e, { query }) => e.listGroups(query),
  },
];

function findRoute(method: string, pathname: string): { route: Route; label: string } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.path.exec(pathname);
    if (match) return { route, label: decodeLabel(match[1] ?? "") };
  }
  return undefined;
}

function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw validation(`Invalid URI encoding in ${raw}.`);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => {
      if (size > MAX_BODY_BYTES) reject(validation(`Request body exceeds ${MAX_BODY_BYTES} bytes.`));
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
  });
}

function parseJsonBody(text: string): Json {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validation("The request body is not valid JSON.");
  }
  if (!isRecord(parsed)) throw validation("The request body must be a JSON object.");
  return parsed;
}

function sendJson(response: ServerResponse, status: number, body: Json, errorType?: string): void {
  if (response.headersSent) return;
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "x-amzn-RequestId": randomUUID(),
  };
  if (errorType) headers["x-amzn-ErrorType"] = errorType;
  response.writeHead(status, headers);
  response.end(JSON.stringify(body));
}

function asApiError(error: unknown, log: (line: string) => void): ApiError {
  if (error instanceof ApiError) return error;
  log(
    `[scheduler] internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return new ApiError(500, "InternalServerException", "Internal error in the local scheduler.");
}

// ---------------------------------------------------------------------------------------------------------
// Start-up

export async function startSchedulerServer(options: SchedulerServerOptions): Promise<SchedulerServer> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const emulator = new SchedulerEmulator(
    options.sendToQueue,
    now,
    options.region ?? "us-east-1",
    options.accountId ?? "000000000000",
    log,
    options.retryBaseDelayMs ?? 100,
  );
  const requests: RecordedRequest[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://localhost");
    const recorded: RecordedRequest = {
      operation: "Unknown",
      method,
      path: url.pathname,
      input: {},
      receivedAt: now(),
    };
    requests.push(recorded);
    let status = 200;
    let errorType: string | undefined;
    try {
      const body = await readBody(request);
      const found = findRoute(method, url.pathname);
      if (!found) {
        throw new ApiError(
          404,
          "UnknownOperationException",
          `No operation matches ${method} ${url.pathname}.`,
        );
      }
      recorded.operation = found.route.operation;
      const context: RouteContext = { label: found.label, query: url.searchParams, body: {} };
      // Recorded before the body parses, so a malformed request still shows what it was for.
      recorded.input = found.route.input(context);
      context.body = parseJsonBody(body);
      recorded.input = found.route.input(context);
      sendJson(response, status, found.route.handle(emulator, context));
    } catch (error) {
      const apiError = asApiError(error, log);
      status = apiError.status;
      errorType = apiError.type;
      sendJson(response, status, { Message: apiError.message }, errorType);
    }
    recorded.status = status;
    recorded.errorType = errorType;
    // Only refusals are logged: a local run creates a schedule per pending retry, and those would drown the log.
    if (errorType) {
      log(`[scheduler] ${recorded.operation} ${method} ${url.pathname} -> ${status} ${errorType}`);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`[scheduler] could not answer: ${String(error)}`);
      if (!response.headersSent) response.destroy();
    });
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log(`[scheduler] listening on ${endpoint}`);

  return {
    endpoint,
    schedules: () => emulator.views(),
    requests,
    fired: emulator.fired,
    fireDue: () => emulator.fireDue(),
    close: () => {
      emulator.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SDK clients keep connections alive; without this, close() would wait for them to idle out.
        server.closeAllConnections();
      });
    },
  };
}
