/**
 * @module The operators' catalog routes: list, read, create or replace, and
 * remove event types. A schema is compiled before it is saved (a schema ajv
 * cannot compile is a 400 with ajv's message), and an example must pass it.
 * Two names that differ only in case may not both be in the catalog (409).
 */
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { noParametersSchema, parseInput, parsePathParameter } from "../validation";
import type { EventTypeStore } from "./catalog";
import { compileDataSchema } from "./data-schema";
import {
  type EventTypeDefinition,
  type EventTypeView,
  eventTypeNameSchema,
  putEventTypeSchema,
  toEventTypeView,
} from "./event-type";

export interface CatalogAdminDeps {
  readonly store: EventTypeStore;
  readonly clock?: () => Date;
}

export function catalogAdmin({ store, clock = () => new Date() }: CatalogAdminDeps) {
  const typeName = (raw: string) => parsePathParameter(eventTypeNameSchema, "type", raw);
  const notFound = (type: string) => new NotFoundError(`no event type ${type} in the catalog`);

  return {
    async list(query: unknown): Promise<EventTypeView[]> {
      parseInput(noParametersSchema, query, "query");
      const types = await store.list();
      return types.sort((a, b) => a.type.localeCompare(b.type)).map(toEventTypeView);
    },

    async get(rawType: string): Promise<EventTypeView> {
      const definition = await store.get(typeName(rawType));
      if (!definition) throw notFound(rawType);
      return toEventTypeView(definition);
    },

    /** Creates the type, or replaces every field of it but when it was created. */
    async put(rawType: string, body: unknown): Promise<{ created: boolean; eventType: EventTypeView }> {
      const type = typeName(rawType);
      const input = parseInput(putEventTypeSchema, body, "event type");
      const schema = input.schema ?? null;
      if (schema) {
        const check = await compileDataSchema(schema);
        const problem = input.example === undefined ? undefined : check(input.example);
        if (problem !== undefined) {
          const message = `the example does not match the schema: ${problem}`;
          throw new ValidationError(`invalid event type: ${message}`, {
            details: [{ field: "example", message }],
          });
        }
      }
      // Names differing only in case would read as one type to people and as two to the platform.
      const twin = (await store.list()).find(
        (t) => t.type !== type && t.type.toLowerCase() === type.toLowerCase(),
      );
      if (twin) {
        throw new ConflictError(
          `event type ${twin.type} is already in the catalog; names may not differ only in case`,
          {
            details: [{ field: "type", message: `taken by ${twin.type}` }],
          },
        );
      }
      const now = clock().toISOString();
      const definition: EventTypeDefinition = {
        type,
        description: input.description,
        schema,
        example: input.example,
        deprecated: input.deprecated ?? false,
        created_at: now,
        updated_at: now,
      };
      const { created, created_at } = await store.put(definition);
      return { created, eventType: toEventTypeView({ ...definition, created_at }) };
    },

    async remove(rawType: string): Promise<{ type: string; deleted: true }> {
      const type = typeName(rawType);
      if (!(await store.remove(type))) throw notFound(type);
      return { type, deleted: true };
    },
  };
}

export type CatalogAdmin = ReturnType<typeof catalogAdmin>;
