import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const outdir = mkdtempSync(join(tmpdir(), "hookline-app-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Runs bin/app.ts as `cdk synth` would, with `-c` context, minus bundling and CloudFormation validation. */
function synthApp(context: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", "bin/app.ts"], {
    cwd: root,
    encoding: "utf8",
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_VALIDATION: "false",
      CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:bundling-stacks": [], ...context }),
    },
  });
  return { status: result.status, stderr: result.stderr };
}

describe("bin/app.ts", () => {
  it.each([
    [
      { maxEndpointsPerTenant: "100" },
      "context maxEndpointsPerTenant=100 is invalid: at most 99: one worker invocation sends an event to " +
        "all its endpoints at once",
    ],
    [
      { maxEndpointsPerTenant: "many" },
      "context maxEndpointsPerTenant=many is invalid: Invalid input: expected number, received NaN",
    ],
    [
      { deliveryLogRetentionDays: "1" },
      "context deliveryLogRetentionDays=1 is invalid: Too small: expected number to be >=2",
    ],
    [
      { retrySchedule: "0s,soon" },
      'context retrySchedule=0s,soon is invalid: retry offset "soon" is not a duration',
    ],
    [
      { allowedUrlSchemes: "https,ftp" },
      'context allowedUrlSchemes=https,ftp is invalid: Invalid option: expected one of "https"|"http"',
    ],
    [
      { deliveryFailureRateThreshold: "25%" },
      "context deliveryFailureRateThreshold=25% is invalid: expected a number",
    ],
    [{ deliveryFailureRateThreshold: "25" }, "deliveryFailureRateThreshold must be a number from 0 to 1"],
    [
      { catalogCacheSeconds: "301" },
      "context catalogCacheSeconds=301 is invalid: Too big: expected number to be <=300",
    ],
    [
      { catalogCacheSeconds: "1.5" },
      "context catalogCacheSeconds=1.5 is invalid: Invalid input: expected int, received number",
    ],
    [
      { catalogCacheSeconds: "soon" },
      "context catalogCacheSeconds=soon is invalid: Invalid input: expected number, received NaN",
    ],
    [
      { deliveryBatchingWindowSeconds: "301" },
      "context deliveryBatchingWindowSeconds=301 is invalid: expected whole seconds from 0 to 300",
    ],
  ])("refuses the context %o at synth", (context, message) => {
    const { status, stderr } = synthApp(context);
    expect(status).not.toBe(0);
    expect(stderr).toContain(message);
  });

  it("synthesizes, with cdk-nag, the settings given as context", () => {
    const { status, stderr } = synthApp({
      maxEndpointsPerTenant: "99",
      deliveryFailureRateThreshold: "0.1",
      catalogCacheSeconds: "0",
      alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:hookline-alarms",
    });
    expect(stderr).not.toMatch(/Error/);
    expect(status).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, "Hookline.template.json"), "utf8"));
    const resources = Object.values(template.Resources) as {
      Type: string;
      Properties: {
        Environment?: { Variables: Record<string, string> };
        Metrics?: unknown;
        Threshold?: number;
        AlarmActions?: unknown;
      };
    }[];
    /** The values of one environment variable, across the functions that have it. */
    const variable = (name: string) =>
      resources
        .filter((resource) => resource.Type === "AWS::Lambda::Function")
        .map((fn) => fn.Properties.Environment?.Variables[name])
        .filter((value) => value !== undefined);
    // webhookCommands, deliveryCommands and both delivery workers check URLs against the policy.
    expect(variable("MAX_ENDPOINTS_PER_TENANT")).toEqual(["99", "99", "99", "99"]);
    // Every function that reads the event-type catalog reads it fresh.
    const catalogCacheSeconds = variable("CATALOG_CACHE_SECONDS");
    expect(catalogCacheSeconds.length).toBeGreaterThan(0);
    expect(new Set(catalogCacheSeconds)).toEqual(new Set(["0"]));
    const rateAlarm = resources.find(
      (resource) => resource.Type === "AWS::CloudWatch::Alarm" && resource.Properties.Metrics !== undefined,
    );
    expect(rateAlarm?.Properties.Threshold).toBe(0.1);
    expect(rateAlarm?.Properties.AlarmActions).toEqual([
      "arn:aws:sns:us-east-1:123456789012:hookline-alarms",
    ]);
  });
});
