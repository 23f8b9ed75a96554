/**
 * @module
 * The operators' CLI commands (cli/admin.ts parses the command line and picks
 * one): each calls the operators' API (docs/operators-api.md) and prints what it answered, as
 * a table or a sentence, or as JSON with --json.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type HooklineClient, refusalOf, type Schemas } from "../client/api";
import { AdminUnreachableError } from "./admin-client";

export interface AdminIo {
  print(line: string): void;
  printError(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Every option of every command; each command names the ones it takes. */
export const OPTIONS = {
  url: { type: "string" },
  region: { type: "string" },
  outputs: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean" },
  tenant: { type: "string" },
  name: { type: "string" },
  "expires-at": { type: "string" },
  "key-id": { type: "string" },
  description: { type: "string" },
  schema: { type: "string" },
  example: { type: "string" },
  deprecated: { type: "boolean" },
  file: { type: "string" },
  ttl: { type: "string" },
} as const;

export type Option = keyof typeof OPTIONS;
export type Values = {
  readonly [K in Option]?: (typeof OPTIONS)[K]["type"] extends "string" ? string : boolean;
};

/** A mistake in the command line: the usage follows the message, and the exit code is 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The API refused the request, or could not be reached: the exit code is 1. */
export class AdminCommandError extends Error {
  override readonly name = "AdminCommandError";
}

export interface Command {
  readonly options: readonly Option[];
  /** Names of the positional arguments after the command words. */
  readonly positionals: readonly string[];
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  /** The typed client of the operators' API (cli/admin-client.ts). */
  readonly api: HooklineClient;
  readonly values: Values;
  readonly args: readonly string[];
  readonly io: AdminIo;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  "keys create": {
    options: ["tenant", "name", "expires-at"],
    positionals: [],
    async run({ api, values, io }) {
      const tenant = required(values, "tenant");
      const key = await data(
        api.POST("/admin/v1/tenants/{tenant_id}/api-keys", {
          params: { path: { tenant_id: tenant } },
          body: { name: values.name, expires_at: values["expires-at"] },
        }),
      );
      if (values.json) return printJson(io, key);
      io.print(`API key ${key.key_id} for tenant "${tenant}"`);
      io.print(`  name ${key.name ?? "-"}, expires ${key.expires_at ?? "never"}`);
      io.print("Store it now: it is shown only this once, and only its hash is kept.\n");
      io.print(`  ${key.key}`);
      return 0;
    },
  },
  "keys list": {
    options: ["tenant"],
    positionals: [],
    async run({ api, values, io }) {
      const tenant = required(values, "tenant");
      const keys = await data(
        api.GET("/admin/v1/tenants/{tenant_id}/api-keys", { params: { path: { tenant_id: tenant } } }),
      );
      if (values.json) return printJson(io, keys);
      if (!keys.length) io.print(`tenant "${tenant}" has no API keys`);
      else table(io, ["key_id", "name", "created_at", "expires_at", "last_used_at"], keys);
      return 0;
    },
  },
  "keys revoke": {
    options: ["tenant", "key-id"],
    positionals: ["key_id"],
    async run({ api, values, args, io }) {
      const tenant = required(values, "tenant");
      const keyId = args[0] ?? values["key-id"];
      if (!keyId) throw new UsageError("keys revoke needs the key id: keys revoke --tenant <id> <key_id>");
      const revoked = await data(
        api.DELETE("/admin/v1/tenants/{tenant_id}/api-keys/{key_id}", {
          params: { path: { tenant_id: tenant, key_id: keyId } },
        }),
      );
      if (values.json) return printJson(io, revoked);
      io.print(
        `revoked API key ${keyId} of tenant "${tenant}"; it answers 401 once the authorizer's cache expires`,
      );
      return 0;
    },
  },
  "event-types list": {
    options: [],
    positionals: [],
    async run({ api, values, io }) {
      const types = await data(api.GET("/admin/v1/event-types"));
      if (values.json) return printJson(io, types);
      if (!types.length) io.print("the catalog has no event types");
      const rows = types.map((t) => ({
        ...t,
        schema: t.schema === undefined || t.schema === null ? "-" : "yes",
      }));
      if (types.length) table(io, ["type", "deprecated", "schema", "description", "updated_at"], rows);
      return 0;
    },
  },
  "event-types put": {
    options: ["description", "schema", "example", "deprecated", "file"],
    positionals: ["type"],
    async run({ api, values, args, io }) {
      const type = requiredArg(args, "event-types put <type>");
      const definition = values.file ? definitionFile(values, io, type) : definitionFlags(values, io);
      const reply = await putEventType(api, type, definition);
      if (values.json) return printJson(io, reply.data);
      io.print(`${reply.created ? "created" : "replaced"} event type ${type}`);
      return 0;
    },
  },
  "event-types delete": {
    options: [],
    positionals: ["type"],
    async run({ api, values, args, io }) {
      const type = requiredArg(args, "event-types delete <type>");
      const deleted = await data(api.DELETE("/admin/v1/event-types/{type}", { params: { path: { type } } }));
      if (values.json) return printJson(io, deleted);
      io.print(`deleted event type ${type}`);
      return 0;
    },
  },
  "event-types import": {
    options: [],
    positionals: ["file"],
    async run({ api, values, args, io }) {
      const file = requiredArg(args, "event-types import <file.json>");
      const parsed = readJson(io, file);
      const entries = Array.isArray(parsed)
        ? parsed
        : (parsed as { event_types?: unknown } | null)?.event_types;
      if (!Array.isArray(entries)) throw new UsageError(`${file} must be {"event_types": [...]} or an array`);
      const results: { type: string; outcome: string; error?: string }[] = [];
      for (const [i, entry] of entries.entries()) {
        const { type, ...definition } = (entry ?? {}) as Record<string, unknown>;
        const name = typeof type === "string" && type ? type : `#${i + 1}`;
        try {
          if (name !== type) throw new AdminCommandError('the entry has no "type"');
          const reply = await putEventType(api, name, definition);
          results.push({ type: name, outcome: reply.created ? "created" : "replaced" });
        } catch (error) {
          if (!(error instanceof AdminCommandError)) throw error;
          results.push({ type: name, outcome: "failed", error: error.message });
        }
        const last = results[results.length - 1];
        if (!values.json && last)
          io.print(`${last.outcome.padEnd(8)} ${last.type}${last.error ? `: ${last.error}` : ""}`);
      }
      const failed = results.filter((r) => r.outcome === "failed").length;
      if (values.json) printJson(io, results);
      else io.print(`${results.length - failed} of ${results.length} event types imported`);
      if (failed) io.printError(`${failed} event type${failed === 1 ? "" : "s"} failed to import`);
      return failed ? 1 : 0;
    },
  },
  "portal open": {
    options: ["tenant", "ttl"],
    positionals: [],
    async run({ api, values, io }) {
      const tenant = required(values, "tenant");
      // The range is the API's to check: its refusal names it.
      const body =
        values.ttl === undefined ? undefined : { ttl_seconds: integer(values.ttl, "--ttl <seconds>") };
      const session = await data(
        api.POST("/admin/v1/tenants/{tenant_id}/portal-sessions", {
          params: { path: { tenant_id: tenant } },
          body,
        }),
      );
      if (values.json) return printJson(io, session);
      io.print(`portal session ${session.session_id} for tenant "${tenant}", expires ${session.expires_at}`);
      io.print("The URL carries the session: hand it to the tenant's integrator only.\n");
      io.print(session.url);
      return 0;
    },
  },
  "portal revoke": {
    options: ["tenant"],
    positionals: ["session_id"],
    async run({ api, values, args, io }) {
      const tenant = required(values, "tenant");
      const sessionId = requiredArg(args, "portal revoke --tenant <id> <session_id>");
      const revoked = await data(
        api.DELETE("/admin/v1/tenants/{tenant_id}/portal-sessions/{session_id}", {
          params: { path: { tenant_id: tenant, session_id: sessionId } },
        }),
      );
      if (values.json) return printJson(io, revoked);
      io.print(
        `revoked portal session ${sessionId} of tenant "${tenant}"; it answers 401 once the authorizer's cache expires`,
      );
      return 0;
    },
  },
};

/** What a typed client's call answers: the success envelope, or the refusal as it came. */
interface Reply<T> {
  readonly data?: { readonly success: boolean; readonly data: T };
  readonly error?: unknown;
  readonly response: Response;
}

/** The success envelope's data, with the status; anything else is an AdminCommandError in the API's words. */
async function send<T>(call: Promise<Reply<T>>): Promise<{ status: number; data: T }> {
  let reply: Reply<T>;
  try {
    reply = await call;
  } catch (error) {
    if (error instanceof AdminUnreachableError) throw new AdminCommandError(error.message, { cause: error });
    // A 2xx whose body is not JSON: nothing the API says it answers.
    if (error instanceof SyntaxError)
      throw new AdminCommandError(`the API's answer is not JSON (${error.message})`, { cause: error });
    throw error;
  }
  const { data: envelope, error, response } = reply;
  if (response.ok && envelope?.success === true) return { status: response.status, data: envelope.data };
  throw new AdminCommandError(refusal(error, response));
}

async function data<T>(call: Promise<Reply<T>>): Promise<T> {
  return (await send(call)).data;
}

/** The API's message, status and code, then each of its details on a line of its own. */
function refusal(error: unknown, response: Response): string {
  const { status, code, message, details } = refusalOf(error, response);
  // Not JSON at all (a proxy's page, say): its start is the best words there are.
  const words = typeof error === "string" && error ? error.slice(0, 200) : message;
  const lines = [`${words} (${status}${code ? ` ${code}` : ""})`];
  for (const detail of details) lines.push(`  ${detail.field}: ${detail.message}`);
  return lines.join("\n");
}

/** The definition goes as the operator wrote it: the API checks it, and its refusal is what they read. */
async function putEventType(api: HooklineClient, type: string, definition: unknown) {
  const { status, data: saved } = await send(
    api.PUT("/admin/v1/event-types/{type}", {
      params: { path: { type } },
      body: definition as Schemas["PutEventTypeRequest"],
    }),
  );
  return { created: status === 201, data: saved };
}

function definitionFlags(values: Values, io: AdminIo): Record<string, unknown> {
  if (values.description === undefined) {
    throw new UsageError("event-types put needs --description <text> (or --file <definition.json>)");
  }
  return {
    description: values.description,
    ...(values.schema ? { schema: readJson(io, values.schema) } : {}),
    ...(values.example ? { example: readJson(io, values.example) } : {}),
    ...(values.deprecated ? { deprecated: true } : {}),
  };
}

/** A definition file may repeat the type (as an import file's entries do); it must then be the same. */
function definitionFile(values: Values, io: AdminIo, type: string): Record<string, unknown> {
  const flags = (["description", "schema", "example", "deprecated"] as const).filter(
    (o) => values[o] !== undefined,
  );
  if (flags.length) throw new UsageError(`--file replaces --${flags.join(", --")}; use one or the other`);
  const file = values.file ?? "";
  const parsed = readJson(io, file);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(
      `${file} must hold a JSON object: {"description", "schema"?, "example"?, "deprecated"?}`,
    );
  }
  const { type: named, ...definition } = parsed as Record<string, unknown>;
  if (named !== undefined && named !== type)
    throw new UsageError(`${file} is for type ${String(named)}, not ${type}`);
  return definition;
}

function readJson(io: AdminIo, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(`could not read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function required(values: Values, option: "tenant"): string {
  const value = values[option];
  if (!value) throw new UsageError(`--${option} <id> is required`);
  return value;
}

function requiredArg(args: readonly string[], usage: string): string {
  const value = args[0];
  if (!value) throw new UsageError(`usage: ${usage}`);
  return value;
}

/** A whole number as the command line spells it; whether it is in range is the API's to say. */
function integer(value: string, option: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${option} must be a whole number, not ${value}`);
  return Number(value);
}

function printJson(io: AdminIo, data: unknown): number {
  io.print(JSON.stringify(data, null, 2));
  return 0;
}

function table(io: AdminIo, columns: readonly string[], rows: readonly Record<string, unknown>[]): void {
  const cell = (value: unknown) => (value === null || value === undefined ? "-" : String(value));
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  io.print(line(columns));
  for (const row of cells) io.print(line(row));
}
