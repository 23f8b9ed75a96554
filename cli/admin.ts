/**
 * @module
 * `npm run admin -- <command>`: the operators' CLI (docs/operators-api.md). It calls the
 * operators' API through the typed client (client/admin.ts): the local run's (the URLs and local
 * credentials in .local/outputs.json) or, with --url, a deployed stack's, signed with the
 * caller's AWS credentials. `runAdmin` is the whole CLI, so tests run it in-process.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PORTAL_SESSION_TTL_SECONDS } from "../lambdas/core/portal-sessions";
import type { LocalOutputs } from "../local/platform";
import type { HooklineClient } from "../client/api";
import { awsAdminClient, localAdminClient } from "./admin-client";
import {
  AdminCommandError,
  type AdminIo,
  COMMANDS,
  OPTIONS,
  type Option,
  UsageError,
  type Values,
} from "./admin-commands";

export type { AdminIo } from "./admin-commands";

const TTL = PORTAL_SESSION_TTL_SECONDS;

export const USAGE = `usage: npm run admin -- <command> [options]

The operators' API: tenants' API keys and portal sessions, and the event-type catalog.
Against the local run by default (start it with \`npm start\`), or a deployed stack with --url.

commands:
  keys create --tenant <id> [--name <name>] [--expires-at <ISO 8601>]
                                  issue an API key; the key is shown only once
  keys list --tenant <id>         the tenant's keys (never the keys themselves)
  keys revoke --tenant <id> <key_id>
                                  revoke a key (or --key-id <key_id>)
  event-types list                the event-type catalog
  event-types put <type> --description <text> [--schema <file.json>] [--example <file.json>] [--deprecated]
  event-types put <type> --file <definition.json>
                                  create or replace an event type
  event-types delete <type>       remove an event type
  event-types import <file.json>  put every type of {"event_types": [...]} (or a bare array)
  portal open --tenant <id> [--ttl <seconds>]
                                  a portal session: the URL that opens the portal as the tenant
                                  (--ttl ${TTL.min} to ${TTL.max}, default ${TTL.default})
  portal revoke --tenant <id> <session_id>
                                  end a portal session

options:
  --url <AdminUrl>    a deployed stack's AdminUrl output (or ApiUrl); signs with your AWS credentials
                      (the AWS SDK's default chain: environment, profiles, SSO, roles)
  --region <region>   the stack's region (default: from the URL, else AWS_REGION)
  --outputs <file>    the local run's outputs (default .local/outputs.json)
  --json              print the API's data as JSON
  --help              this text`;

const GLOBAL_OPTIONS: readonly Option[] = ["url", "region", "outputs", "json", "help"];

/** The CLI: parses argv, calls the API, prints; answers the exit code. */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true });
    if (values.help) {
      io.print(USAGE);
      return 0;
    }
    const [group, action, ...args] = positionals;
    const name = `${group ?? ""} ${action ?? ""}`;
    const command = COMMANDS[name];
    if (!command) throw new UsageError(group ? `unknown command: ${name.trim()}` : "no command given");
    for (const option of Object.keys(values) as Option[]) {
      if (!GLOBAL_OPTIONS.includes(option) && !command.options.includes(option)) {
        throw new UsageError(`${name} does not take --${option}`);
      }
    }
    if (args.length > command.positionals.length)
      throw new UsageError(`too many arguments to ${name}: ${args.join(" ")}`);
    return await command.run({ api: client(values, io), values, args, io });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.printError(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof AdminCommandError) {
      io.printError(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function client(values: Values, io: AdminIo): HooklineClient {
  if (values.url) {
    try {
      return awsAdminClient({ url: values.url, region: values.region, env: io.env });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const file = resolve(io.cwd, values.outputs ?? ".local/outputs.json");
  let outputs: LocalOutputs;
  try {
    outputs = JSON.parse(readFileSync(file, "utf8")) as LocalOutputs;
  } catch {
    throw new AdminCommandError(
      `no local run's outputs in ${file}: start it with \`npm start\`, or pass --url <AdminUrl>`,
    );
  }
  if (!outputs.AdminUrl)
    throw new AdminCommandError(`${file} has no AdminUrl: restart the local run with \`npm start\``);
  return localAdminClient(outputs);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runAdmin(process.argv.slice(2), {
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
    env: process.env,
    cwd: process.cwd(),
  });
}
