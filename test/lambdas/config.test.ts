import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  loadConfig,
  parseTunable,
  TUNABLE_DEFAULTS,
  type Tunable,
} from "../../lambdas/config";

describe("the Lambdas' configuration", () => {
  it.each(Object.entries(TUNABLE_DEFAULTS))(
    "accepts the default of %s, %s, under its own rule",
    (name, text) => {
      expect(parseTunable(name as Tunable, text)).toMatchObject({ ok: true });
    },
  );

  it("reads a missing tunable as its default", () => {
    expect(loadConfig("endpointPolicy", {})).toEqual({
      MAX_ENDPOINTS_PER_TENANT: 50,
      ALLOWED_URL_SCHEMES: ["https"],
      ALLOW_PRIVATE_ADDRESSES: false,
    });
    expect(loadConfig("retries", {}).RETRY_SCHEDULE).toHaveLength(7);
  });

  it("answers a tunable's value as the Lambdas parse it", () => {
    expect(parseTunable("ALLOWED_URL_SCHEMES", "https, HTTP")).toEqual({
      ok: true,
      value: ["https", "http"],
    });
    expect(parseTunable("CATALOG_CACHE_SECONDS", "0")).toEqual({ ok: true, value: 0 });
  });

  it("says why a tunable is refused, as the stack and bin/app.ts report it", () => {
    expect(parseTunable("MAX_ENDPOINTS_PER_TENANT", "100")).toEqual({
      ok: false,
      problem: "at most 99: one worker invocation sends an event to all its endpoints at once",
    });
    expect(parseTunable("RETRY_SCHEDULE", "1s,2s")).toMatchObject({ ok: false });
  });

  it("refuses a section whose required variable is missing, naming it", () => {
    expect(() => loadConfig("table", {})).toThrow(ConfigurationError);
    expect(() => loadConfig("table", {})).toThrow(/invalid table configuration: TABLE_NAME/);
  });
});
