import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalPlatform, startLocalPlatform } from "../../local/platform";
import { HOSTILE_URLS, PUBLIC_ADDRESS } from "../support/hostile-urls";

/**
 * `npm start` with production's URL policy (ALLOWED_URL_SCHEMES=https, ALLOW_PRIVATE_ADDRESSES=false):
 * a local platform of its own, in this file's process, since the shared one allows http and 127.0.0.1.
 * DNS here is this machine's: the table's names that it does not resolve (all but `localhost`) are
 * refused for that, as an endpoint to be verified must resolve.
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

interface Envelope {
  readonly success: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, checked by the tests
  readonly data?: any;
  readonly error?: { code: string; message: string; details?: { field: string; message: string }[] };
}

async function api(method: string, path: string, body?: unknown) {
  const { ApiUrl, ApiKey } = platform.outputs;
  const res = await fetch(`${ApiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ApiKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Envelope };
}

const createEndpoint = (url: string, more: object = {}) =>
  api("POST", "/v1/webhooks", { name: "CRM", url, events: ["*"], ...more });

/** A 4xx in the error envelope that names url and why. */
function expectRefusedUrl(res: { status: number; body: Envelope }) {
  expect([400, 422]).toContain(res.status);
  expect(res.body).toEqual({
    success: false,
    error: {
      code: "validation_error",
      message: expect.any(String),
      details: [{ field: "url", message: expect.stringMatching(/not public|does not resolve|credentials/) }],
    },
  });
  // Not the address a name resolved to, nor the one a literal spelled: no address at all.
  expect(res.body.error?.message).not.toMatch(/\d+\.\d+\.\d+\.\d+|::/);
}

const hostile = HOSTILE_URLS.map((e) => [e.url, e.why] as const);

describe("the local run with production's URL policy", () => {
  it("refuses an http URL", async () => {
    const res = await createEndpoint("http://example.com/hooks");

    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/url must use https/);
  });

  it.each(hostile)("refuses to create %s (%s) over HTTP", async (url) => {
    // Act
    const res = await createEndpoint(url);

    // Assess
    expectRefusedUrl(res);
  });

  it("stored none of them", async () => {
    // Act
    const list = await api("GET", "/v1/webhooks?limit=100");

    // Assess
    expect(list.body).toMatchObject({ success: true, data: [], pagination: { total: 0 } });
  });

  describe("on update", () => {
    let id: string;
    const publicUrl = `https://${PUBLIC_ADDRESS}/hooks`;
    beforeAll(async () => {
      // verify: false, so that nothing is sent to the public address.
      const created = await createEndpoint(publicUrl, { verify: false });
      expect(created.status).toBe(201);
      id = (created.body.data as { id: string }).id;
    });

    it.each(hostile)("refuses to change the url to %s (%s) over HTTP", async (url) => {
      // Act
      const res = await api("PUT", `/v1/webhooks/${id}`, { url });

      // Assess
      expectRefusedUrl(res);
    });

    it("kept the public url", async () => {
      // Act
      const res = await api("GET", `/v1/webhooks/${id}`);

      // Assess
      expect(res.body).toMatchObject({ success: true, data: { id, url: publicUrl } });
    });
  });

  it("refuses to start with a policy the Lambdas would refuse, before starting anything", async () => {
    await expect(startLocalPlatform({ port: 0, allowPrivateAddresses: "no" })).rejects.toThrow(
      /ALLOW_PRIVATE_ADDRESSES=no is invalid: Invalid option/,
    );
  });
});
