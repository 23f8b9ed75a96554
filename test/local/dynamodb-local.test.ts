import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultJava, javaProblem, startDynamoDbLocal } from "../../local/dynamodb-local";

const dir = mkdtempSync(join(tmpdir(), "hookline-java-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `java` that prints `banner` for `-version`, on stderr as Java does. */
function fakeJava(name: string, banner: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\necho '${banner}' >&2\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("the local run's Java check", () => {
  it("accepts the Java on this machine", () => {
    expect(javaProblem(defaultJava())).toBeUndefined();
  });

  it("accepts Java 17 and newer in the way OpenJDK prints its version", () => {
    expect(javaProblem(fakeJava("java21", 'openjdk version "21.0.4" 2024-07-16'))).toBeUndefined();
  });

  it("refuses Java 8, printed the old way, saying what to install", () => {
    const problem = javaProblem(fakeJava("java8", 'java version "1.8.0_402"'));

    expect(problem).toMatch(/is Java 8\. DynamoDB Local needs Java 17 or newer: install a JRE/);
  });

  it("refuses Java 11", () => {
    expect(javaProblem(fakeJava("java11", 'openjdk version "11.0.22" 2024-01-16'))).toMatch(/is Java 11\./);
  });

  it("uses JAVA_HOME's java when JAVA_HOME is set", () => {
    expect(defaultJava({ JAVA_HOME: "/opt/jdk" })).toBe("/opt/jdk/bin/java");
    expect(defaultJava({})).toBe("java");
  });

  it("fails to start at once, with what to install, when there is no Java", async () => {
    // Act
    const starting = startDynamoDbLocal(0, join(dir, "no-such-java"));

    // Assess: the check's message, not the one after waiting for the server to answer
    await expect(starting).rejects.toThrow(/cannot run .*no-such-java .*install a JRE/);
  });
});
