/**
 * @module
 * The operators' CLI commands (cli/admin.ts parses the command line and picks
 * one): each calls the operators' API (docs/operators-api.md) and prints what it answered, as
 * a table or a sentence, or as JSON with --json.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { AdminClient } from "./admin-client";

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
  readonly api: AdminClient;
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
      const body = { name: values.name, expires_at: values["expires-at"] };
      const key = (await call(api, "POST", `/tenants/${enc(tenant)}/api-keys`, body)) as Record<
        string,
        unknown
      >;
      if (values.json) return printJson(io, key);
      io.print(`API key ${String(key.key_id)} for tenant "${tenant}"`);
      io.print(`  name ${String(key.name ?? "-")}, expires ${String(key.expires_at ?? "never")}`);
      io.print("Store it now: it is shown only this once, and only its hash is kept.\n");
      io.print(`  ${String(key.key)}`);
      return 0;
    },
  },
  "keys list": {
    options: ["tenant"],
    positionals: [],
    async run({ api, values, io }) {
      const tenant = required(values, "tenant");
      const keys = (await call(api, "GET", `/tenants/${enc(tenant)}/api-keys`)) as Record<string, unknown>[];
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
      const data = await call(api, "DELETE", `/tenants/${enc(tenant)}/api-keys/${enc(keyId)}`);
      if (values.json) return printJson(io, data);
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
      const types = (await call(api, "GET", "/event-types")) as Record<string, unknown>[];
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
      const data = await call(api, "DELETE", `/event-types/${enc(type)}`);
      if (values.json) return printJson(io, data);
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
};

/** Calls the API and answers the success envelope's data; anything else is an AdminCommandError with the API's words. */
async function call(api: AdminClient, method: string, path: string, body?: unknown): Promise<unknown> {
  return (await send(api, method, path, body)).data;
}

async function send(api: AdminClient, method: string, path: string, body?: unknown) {
  let res;
  try {
    res = await api.request(method, path, body);
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new AdminCommandError(`could not reach ${api.baseUrl} (${reason})`);
  }
  const json = res.json as
    { success?: boolean; data?: unknown; error?: unknown; message?: unknown } | undefined;
  if (json?.success === true && res.status < 300) return { status: res.status, data: json.data };
  throw new AdminCommandError(errorMessage(res.status, json, res.text));
}

function errorMessage(
  status: number,
  json: { error?: unknown; message?: unknown } | undefined,
  text: string,
): string {
  const error = json?.error as { code?: string; message?: string; details?: unknown } | undefined;
  // API Gateway's own refusals (IAM, throttling) are {"message": ...}, not the API's envelope.
  const message = error?.message ?? (typeof json?.message === "string" ? json.message : text.slice(0, 200));
  const lines = [`${message} (${status}${error?.code ? ` ${error.code}` : ""})`];
  if (Array.isArray(error?.details)) {
    for (const detail of error.details as { field?: string; message?: string }[]) {
      lines.push(detail.field ? `  ${detail.field}: ${detail.message}` : `  ${JSON.stringify(detail)}`);
    }
  } else if (error?.details !== undefined) {
    lines.push(`  ${JSON.stringify(error.details)}`);
  }
  return lines.join("\n");
}

async function putEventType(api: AdminClient, type: string, definition: unknown) {
  const { status, data } = await send(api, "PUT", `/event-types/${enc(type)}`, definition);
  return { created: status === 201, data };
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

const enc = encodeURIComponent;

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
