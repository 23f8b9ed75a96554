import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runAdmin, USAGE } from "../../cli/admin";
import { regionFromUrl } from "../../cli/admin-client";
import { apiClient, platform } from "../support/platform";

/** The operators' CLI (docs/operators-api.md), run in-process against the test run's operators' API. */

let dir: string;
let outputsFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hookline-admin-"));
  outputsFile = join(dir, "outputs.json");
  writeFileSync(outputsFile, JSON.stringify(platform()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The CLI against the local outputs file, as `npm run admin -- ...args` would run it. */
async function admin(...args: string[]): Promise<Run> {
  return run([...args, "--outputs", outputsFile]);
}

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(args, {
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
    env,
    cwd: dir,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), JSON.stringify(content));
  return name;
}

const unique = () => randomBytes(4).toString("hex");

describe("npm run admin -- keys", () => {
  it("issues a key that works, lists it without the key, and revokes it so it stops working", async () => {
    // Prepare
    const tenant = `cli-${unique()}`;

    // Act
    const created = await admin("keys", "create", "--tenant", tenant, "--name", "laptop");
    const key = /hk_[\w-]+/.exec(created.out)?.[0] ?? "";
    const keyId = /API key ([0-9a-f]{12})/.exec(created.out)?.[1] ?? "";
    const usable = await apiClient(key)("GET", "/v1/webhooks");
    const listed = await admin("keys", "list", "--tenant", tenant);
    const listedJson = await admin("keys", "list", "--tenant", tenant, "--json");
    const revoked = await admin("keys", "revoke", "--tenant", tenant, keyId);

    // Assess
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/shown only this once/);
    expect(usable.status).toBe(200);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^key_id\s+name\s+created_at\s+expires_at\s+last_used_at$/m);
    expect(listed.out).toMatch(new RegExp(`^${keyId}\\s+laptop\\s+\\S+\\s+-`, "m"));
    expect(listed.out).not.toContain(key);
    expect(JSON.parse(listedJson.out)).toEqual([expect.objectContaining({ key_id: keyId, name: "laptop" })]);
    expect(revoked).toMatchObject({ code: 0, out: expect.stringContaining(`revoked API key ${keyId}`) });
    // The test run's authorizer cache lives one second (test/global-setup.ts).
    await vi.waitFor(async () => expect((await apiClient(key)("GET", "/v1/webhooks")).status).toBe(401), {
      timeout: 5_000,
      interval: 250,
    });
  });

  it("prints the key as JSON with --json, and revokes by --key-id", async () => {
    const tenant = `cli-${unique()}`;

    const created = await admin(
      "keys",
      "create",
      "--tenant",
      tenant,
      "--expires-at",
      "2099-01-01T00:00:00Z",
      "--json",
    );
    const data = JSON.parse(created.out) as { key: string; key_id: string; expires_at: string };
    const revoked = await admin("keys", "revoke", "--tenant", tenant, "--key-id", data.key_id, "--json");

    expect(data.key).toMatch(/^hk_/);
    expect(data.expires_at).toBe("2099-01-01T00:00:00.000Z");
    expect(JSON.parse(revoked.out)).toEqual({ key_id: data.key_id, revoked: true });
  });

  it("prints the API's error and its details, and exits 1", async () => {
    const tenant = `cli-${unique()}`;

    const past = await admin("keys", "create", "--tenant", tenant, "--expires-at", "2001-01-01T00:00:00Z");
    const unknown = await admin("keys", "revoke", "--tenant", tenant, "0123456789ab");

    expect(past.code).toBe(1);
    expect(past.err).toMatch(/expires_at is in the past \(400 validation_error\)/);
    expect(past.err).toMatch(/^ {2}expires_at: expires_at is in the past$/m);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no API key 0123456789ab \(404 not_found\)/);
  });
});

describe("npm run admin -- event-types", () => {
  it("creates, replaces, lists and deletes an event type", async () => {
    // Prepare
    const type = `cli_${unique()}.lead.created`;
    const schema = file("schema.json", { type: "object", required: ["email"] });
    const example = file("example.json", { email: "ana@example.com" });

    // Act
    const created = await admin(
      "event-types",
      "put",
      type,
      "--description",
      "A lead",
      "--schema",
      schema,
      "--example",
      example,
    );
    const replaced = await admin(
      "event-types",
      "put",
      type,
      "--description",
      "A lead, again",
      "--deprecated",
    );
    const listed = await admin("event-types", "list");
    const listedJson = await admin("event-types", "list", "--json");
    const deleted = await admin("event-types", "delete", type);
    const deletedAgain = await admin("event-types", "delete", type);

    // Assess
    expect(created.err).toBe("");
    expect(created).toMatchObject({ code: 0, out: `created event type ${type}` });
    expect(replaced).toMatchObject({ code: 0, out: `replaced event type ${type}` });
    expect(listed.out).toMatch(
      new RegExp(`^${type.replace(/\./g, "\\.")}\\s+true\\s+-\\s+A lead, again`, "m"),
    );
    const types = JSON.parse(listedJson.out) as { type: string }[];
    expect(types.find((t) => t.type === type)).toMatchObject({
      description: "A lead, again",
      deprecated: true,
    });
    expect(deleted).toMatchObject({ code: 0, out: `deleted event type ${type}` });
    expect(deletedAgain.code).toBe(1);
    expect(deletedAgain.err).toMatch(/404 not_found/);
  });

  it("puts a definition from --file, and refuses a file for another type", async () => {
    const type = `cli_${unique()}.deal.won`;
    const definition = file("definition.json", { type, description: "A won deal", example: { value: 10 } });

    const put = await admin("event-types", "put", type, "--file", definition, "--json");
    const mismatch = await admin("event-types", "put", `${type}_other`, "--file", definition);

    expect(put.code).toBe(0);
    expect(JSON.parse(put.out)).toMatchObject({ type, description: "A won deal", example: { value: 10 } });
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(new RegExp(`is for type ${type}`));
    await admin("event-types", "delete", type);
  });

  it("imports a catalog file, trying every type and exiting 1 when one fails", async () => {
    // Prepare
    const prefix = `cli_${unique()}`;
    const catalog = file("catalog.json", {
      event_types: [
        { type: `${prefix}.contact.created`, description: "A contact" },
        { type: "webhook.mine", description: "Not the operator's to define" },
        { type: `${prefix}.contact.deleted`, description: "A contact went", deprecated: true },
        { description: "no type at all" },
      ],
    });
    const bare = file("bare.json", [
      { type: `${prefix}.contact.created`, description: "A contact, replaced" },
    ]);

    // Act
    const imported = await admin("event-types", "import", catalog);
    const again = await admin("event-types", "import", bare);
    const types = JSON.parse((await admin("event-types", "list", "--json")).out) as {
      type: string;
      description: string;
    }[];

    // Assess
    expect(imported.code).toBe(1);
    expect(imported.out).toMatch(new RegExp(`^created\\s+${prefix}\\.contact\\.created$`, "m"));
    expect(imported.out).toMatch(/^failed\s+webhook\.mine: .*belong to the platform/m);
    expect(imported.out).toMatch(new RegExp(`^created\\s+${prefix}\\.contact\\.deleted$`, "m"));
    expect(imported.out).toMatch(/^failed\s+#4: the entry has no "type"$/m);
    expect(imported.out).toMatch(/2 of 4 event types imported/);
    expect(imported.err).toMatch(/2 event types failed to import/);
    expect(again).toMatchObject({ code: 0, out: expect.stringMatching(/^replaced\s+/) });
    expect(types.filter((t) => t.type.startsWith(prefix))).toEqual([
      expect.objectContaining({ type: `${prefix}.contact.created`, description: "A contact, replaced" }),
      expect.objectContaining({ type: `${prefix}.contact.deleted`, deprecated: true }),
    ]);
    for (const t of types.filter((t) => t.type.startsWith(prefix)))
      await admin("event-types", "delete", t.type);
  });
});

describe("npm run admin -- portal", () => {
  it("opens a session whose URL's token acts for the tenant, and revokes it so it stops working", async () => {
    // Prepare
    const tenant = `cli-${unique()}`;

    // Act
    const opened = await admin("portal", "open", "--tenant", tenant);
    const url = opened.out.split("\n").find((line) => line.includes("/portal#session=")) ?? "";
    const sessionId = /portal session ([0-9a-f]{12})/.exec(opened.out)?.[1] ?? "";
    const session = apiClient(new URL(url).hash.replace(/^#session=/, ""));
    const usable = await session("GET", "/v1/webhooks");
    const revoked = await admin("portal", "revoke", "--tenant", tenant, sessionId);
    const again = await admin("portal", "revoke", "--tenant", tenant, sessionId);

    // Assess
    expect(opened.code).toBe(0);
    expect(opened.out).toMatch(new RegExp(`for tenant "${tenant}", expires \\d{4}-\\d{2}-\\d{2}T`));
    expect(url).toBe(`${platform().ApiUrl}/portal${new URL(url).hash}`);
    expect(usable.status).toBe(200);
    expect(revoked).toMatchObject({
      code: 0,
      out: expect.stringContaining(`revoked portal session ${sessionId}`),
    });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/404 not_found/);
    // The test run's authorizer cache lives one second (test/global-setup.ts).
    await vi.waitFor(async () => expect((await session("GET", "/v1/webhooks")).status).toBe(401), {
      timeout: 5_000,
      interval: 250,
    });
  });

  it("prints the session as JSON with --json, lasting --ttl seconds", async () => {
    const tenant = `cli-${unique()}`;
    const before = Date.now();

    const opened = await admin("portal", "open", "--tenant", tenant, "--ttl", "120", "--json");
    const data = JSON.parse(opened.out) as {
      session_id: string;
      tenant_id: string;
      expires_at: string;
      url: string;
    };
    const revoked = await admin("portal", "revoke", "--tenant", tenant, data.session_id, "--json");

    expect(opened.code).toBe(0);
    expect(data).toMatchObject({ tenant_id: tenant, url: expect.stringContaining("/portal#session=hps_") });
    expect(Date.parse(data.expires_at) - before).toBeGreaterThanOrEqual(120_000);
    expect(Date.parse(data.expires_at) - before).toBeLessThan(130_000);
    expect(JSON.parse(revoked.out)).toEqual({ session_id: data.session_id, revoked: true });
  });

  it("prints the API's refusal of a --ttl out of range, and exits 1", async () => {
    const res = await admin("portal", "open", "--tenant", `cli-${unique()}`, "--ttl", "5");

    expect(res.code).toBe(1);
    expect(res.err).toMatch(/ttl_seconds is a whole number of seconds, 60 to 3600 \(400 validation_error\)/);
    expect(res.err).toMatch(/^ {2}ttl_seconds: /m);
  });
});

describe("npm run admin -- against a stack URL", () => {
  it("signs with the AWS credentials of the environment through the SDK's default chain", async () => {
    // Prepare
    const { AdminUrl, LocalAccessKeyId, LocalSecretAccessKey, Region } = platform();
    const env = {
      AWS_ACCESS_KEY_ID: LocalAccessKeyId,
      AWS_SECRET_ACCESS_KEY: LocalSecretAccessKey,
      AWS_REGION: Region,
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);

    // Act
    const listed = await run(["event-types", "list", "--json", "--url", AdminUrl], env);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "someone-elses-secret");
    const wrongSecret = await run(["event-types", "list", "--url", AdminUrl], env);

    // Assess
    expect(listed.code).toBe(0);
    expect(Array.isArray(JSON.parse(listed.out))).toBe(true);
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.err).toMatch(/signature does not match.*\(403 forbidden\)/);
  });

  it("takes the stack's ApiUrl as well as its AdminUrl", async () => {
    const { ApiUrl, LocalAccessKeyId, LocalSecretAccessKey, Region } = platform();
    vi.stubEnv("AWS_ACCESS_KEY_ID", LocalAccessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", LocalSecretAccessKey);

    const listed = await run(["event-types", "list", "--json", "--url", `${ApiUrl}/`, "--region", Region]);

    expect(listed.code).toBe(0);
    expect(Array.isArray(JSON.parse(listed.out))).toBe(true);
  });

  it("says which URL it could not reach, and exits 1", async () => {
    // Prepare: a port nothing listens on any more.
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/v1`;
    server.close();
    await once(server, "close");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");

    // Act
    const res = await run(["event-types", "list", "--url", url, "--region", "us-east-1"]);

    // Assess
    expect(res.code).toBe(1);
    expect(res.err).toBe(`error: could not reach ${url} (ECONNREFUSED)`);
  });

  it("takes the region from an execute-api URL", () => {
    expect(regionFromUrl("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/admin/v1")).toBe(
      "eu-west-1",
    );
    expect(regionFromUrl("https://api.example.com/admin/v1")).toBeUndefined();
  });

  it("needs a region when the URL does not name one", async () => {
    const res = await run(["event-types", "list", "--url", "https://admin.example.com/admin/v1"]);

    expect(res.code).toBe(2);
    expect(res.err).toMatch(/pass --region or set AWS_REGION/);
  });
});

describe("npm run admin -- usage", () => {
  it("prints the usage with every command for --help", async () => {
    const res = await run(["--help"]);

    expect(res.code).toBe(0);
    for (const command of [
      "keys create",
      "keys list",
      "keys revoke",
      "event-types list",
      "event-types put",
    ]) {
      expect(res.out).toContain(command);
    }
    expect(res.out).toContain("event-types delete");
    expect(res.out).toContain("event-types import");
    expect(res.out).toContain("portal open");
    expect(res.out).toContain("portal revoke");
  });

  it.each([
    [[], /no command given/],
    [["keys", "rotate"], /unknown command: keys rotate/],
    [["keys", "create"], /--tenant <id> is required/],
    [["keys", "list", "--tenant", "t", "--description", "x"], /keys list does not take --description/],
    [["keys", "revoke", "--tenant", "t"], /needs the key id/],
    [
      ["event-types", "put", "crm.x", "--file", "a.json", "--description", "d"],
      /--file replaces --description/,
    ],
    [["event-types", "put", "crm.x"], /needs --description/],
    [["event-types", "delete", "a", "b"], /too many arguments/],
    [["event-types", "list", "--bogus"], /Unknown option '--bogus'/],
    [["event-types", "import", "missing.json"], /could not read missing\.json/],
    [["portal", "open"], /--tenant <id> is required/],
    [["portal", "open", "--tenant", "t", "--ttl", "an hour"], /--ttl <seconds> must be a whole number/],
    [["portal", "revoke", "--tenant", "t"], /usage: portal revoke --tenant <id> <session_id>/],
    [["portal", "revoke", "s1"], /--tenant <id> is required/],
  ])("refuses %j with the usage and exit code 2", async (args, message) => {
    const res = await admin(...args);

    expect(res.code).toBe(2);
    expect(res.err).toMatch(message);
    expect(res.err).toContain(USAGE);
  });

  it("says to run npm start or pass --url when there is no outputs file", async () => {
    const res = await run(["event-types", "list", "--outputs", join(dir, "nowhere.json")]);

    expect(res.code).toBe(1);
    expect(res.err).toMatch(/npm start.*--url/);
  });
});
