import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalPlatform, startLocalPlatform } from "../../local/platform";

/**
 * `npm start` with production's URL policy (ALLOWED_URL_SCHEMES=https, ALLOW_PRIVATE_ADDRESSES=false):
 * a local platform of its own, in this file's process, since the shared one allows http and 127.0.0.1.
 */
let platform: LocalPlatform;
beforeAll(async () => {
  platform = await startLocalPlatform({
    port: 0,
    logLevel: "ERROR",
    allowedUrlSchemes: "https",
    allowPrivateAddresses: "false",
  });
});
afterAll(() => platform.stop());

async function createEndpoint(url: string) {
  const { ApiUrl, ApiKey } = platform.outputs;
  const res = await fetch(`${ApiUrl}/v1/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${ApiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "CRM", url, events: ["*"], verify: false }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
}

describe("the local run with production's URL policy", () => {
  it("refuses an http URL", async () => {
    const res = await createEndpoint("http://example.com/hooks");

    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/url must use https/);
  });

  it("refuses a loopback address", async () => {
    const res = await createEndpoint("https://127.0.0.1/hooks");

    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/must not point to a private, loopback/);
  });

  it("refuses to start with a policy the Lambdas would refuse, before starting anything", async () => {
    await expect(startLocalPlatform({ port: 0, allowPrivateAddresses: "no" })).rejects.toThrow(
      /ALLOW_PRIVATE_ADDRESSES=no is invalid: Invalid option/,
    );
  });
});
