/**
 * @module A local stand-in for the Amazon EventBridge Scheduler API, cut to what the platform calls: Create, Get and
 * Delete of one-time at() schedules in UTC with an SQS target (the delivery worker's retries, the circuit breaker's
 * probes), Create and Get of groups. Nothing else emulates Scheduler (LocalStack never fires its schedules).
 */
import { type Operations, serve } from "./http";
import { ScheduleStore } from "./store";
import { type SendToQueue, ScheduleTimer } from "./timer";
import { parseCreateSchedule, parseKey } from "./validation";

export type { SendToQueue };

export type SchedulerServer = Awaited<ReturnType<typeof startSchedulerServer>>;
const noLog = (_line: string) => {};

/** `port` 0, the default, picks a free one; `sendToQueue` delivers what fires, and failure reports. */
export async function startSchedulerServer(options: {
  port?: number;
  sendToQueue: SendToQueue;
  log?: typeof noLog;
}) {
  const log = options.log ?? noLog;
  const store = new ScheduleStore();
  const closing = new AbortController();
  const timer = new ScheduleTimer(options.sendToQueue, store, log, closing.signal);
  const operations = {
    CreateSchedule: (input) => {
      const { schedule, created } = store.createSchedule(parseCreateSchedule(input));
      if (created && schedule.State === "ENABLED") timer.arm(schedule);
      return { ScheduleArn: schedule.Arn };
    },
    GetSchedule: (input) => {
      const { dueAt: _dueAt, ...described } = store.getSchedule(parseKey(input));
      return described;
    },
    DeleteSchedule: (input) => {
      store.remove(store.getSchedule(parseKey(input)));
      return {};
    },
    CreateScheduleGroup: (input) => ({ ScheduleGroupArn: store.createGroup(parseKey(input).Name).Arn }),
    GetScheduleGroup: (input) => store.getGroup(parseKey(input).Name),
  } satisfies Operations;
  const http = await serve(operations, options.port ?? 0, log);
  const close = () => {
    closing.abort();
    return http.close();
  };
  // `endpoint` goes to SchedulerClient or AWS_ENDPOINT_URL_SCHEDULER; the bench counts CreateSchedules in `requests`.
  return { endpoint: http.endpoint, requests: http.requests, schedules: () => store.schedules(), close };
}
