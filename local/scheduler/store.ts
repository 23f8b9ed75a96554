/**
 * @module The schedules and groups held, and AWS's answers about them: a name taken (ConflictException), a group or
 * schedule not there (ResourceNotFoundException), a ClientToken sent again (the first call's answer).
 */
import { conflictError, notFoundError } from "./errors";
import { DEFAULT_GROUP, type parseCreateSchedule, type ScheduleDefinition } from "./validation";

const ARN_PREFIX = "arn:aws:scheduler:us-east-1:000000000000";

/** What Get answers of a schedule or a group; timestamps in epoch seconds, as REST-JSON sends them. */
type Resource = { Arn: string; Name: string; CreationDate: number; LastModificationDate: number };
type ScheduleGroup = Resource & { State: "ACTIVE" };
export type Schedule = ScheduleDefinition & Resource;

export class ScheduleStore {
  // Every account has the default group.
  private readonly groups = new Map([[DEFAULT_GROUP, newGroup(DEFAULT_GROUP)]]);
  private readonly byArn = new Map<string, Schedule>();
  private readonly byClientToken = new Map<string, Schedule>();

  /** The schedule stored, and whether it is new: a ClientToken sent again answers the first call's schedule. */
  createSchedule({ name, definition, clientToken }: ReturnType<typeof parseCreateSchedule>) {
    const arn = scheduleArn(this.getGroup(definition.GroupName), name);
    const earlier = clientToken === undefined ? undefined : this.byClientToken.get(clientToken);
    if (earlier && earlier.Arn !== arn)
      throw conflictError(`ClientToken ${clientToken} was used for ${earlier.Arn}.`);
    // Even after that schedule fired and deleted itself, as AWS's idempotency promises.
    if (earlier) return { schedule: earlier, created: false };
    if (this.byArn.has(arn)) throw conflictError(`Schedule ${name} already exists.`);
    const schedule: Schedule = { ...definition, Arn: arn, Name: name, ...now() };
    this.byArn.set(arn, schedule);
    if (clientToken !== undefined) this.byClientToken.set(clientToken, schedule);
    return { schedule, created: true };
  }

  getSchedule({ GroupName, Name }: { GroupName: string; Name: string }): Schedule {
    const schedule = this.byArn.get(scheduleArn(this.getGroup(GroupName), Name));
    if (!schedule) throw notFoundError(`Schedule ${Name} does not exist.`);
    return schedule;
  }

  /** Whether `schedule` is still held: not deleted, nor deleted and made again. */
  holds(schedule: Schedule): boolean {
    return this.byArn.get(schedule.Arn) === schedule;
  }

  remove(schedule: Schedule): void {
    if (this.holds(schedule)) this.byArn.delete(schedule.Arn);
  }

  createGroup(name: string): ScheduleGroup {
    if (this.groups.has(name)) throw conflictError(`Schedule group ${name} already exists.`);
    this.groups.set(name, newGroup(name));
    return this.getGroup(name);
  }

  getGroup(name: string): ScheduleGroup {
    const group = this.groups.get(name);
    if (!group) throw notFoundError(`Schedule group ${name} does not exist.`);
    return group;
  }

  schedules(): Schedule[] {
    return [...this.byArn.values()];
  }
}

const scheduleArn = (group: ScheduleGroup, name: string) => `${ARN_PREFIX}:schedule/${group.Name}/${name}`;
const now = (seconds = Date.now() / 1000) => ({ CreationDate: seconds, LastModificationDate: seconds });

function newGroup(name: string): ScheduleGroup {
  return { Arn: `${ARN_PREFIX}:schedule-group/${name}`, Name: name, State: "ACTIVE", ...now() };
}
