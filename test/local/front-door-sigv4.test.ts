import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type FrontDoor,
  type LocalOperator,
  type RouteFunction,
  startFrontDoor,
} from "../../local/front-door";
import { lambdaContext } from "../../local/lambda-context";
import { type SignedRequest, SignatureVerificationError, sigV4Verifier } from "../../local/sigv4";
import { newTenant, platform } from "../support/platform";

/** docs/operators-api.md: the local front door checks the operators' SigV4 signatures as API Gateway's IAM authorizer does. */

interface SigningOptions {
  readonly method?: string;
  readonly path: string;
  readonly body?: string;
  readonly secret?: string;
  readonly at?: Date;
  /** Off: no x-amz-content-sha256, so only the signature covers the body (as some SigV4 clients send it). */
  readonly bodyHashHeader?: boolean;
}

/** The headers of a request signed like the AWS SDK signs it, for the local run's operators' API. */
async function signedHeaders(options: SigningOptions): Promise<Record<string, string>> {
  const { ApiUrl, LocalAccessKeyId, LocalSecretAccessKey, Region } = platform();
  const url = new URL(ApiUrl + options.path);
  const signer = new SignatureV4({
    credentials: { accessKeyId: LocalAccessKeyId, secretAccessKey: options.secret ?? LocalSecretAccessKey },
    region: Region,
    service: "execute-api",
    sha256: Hash.bind(null, "sha256"),
    applyChecksum: options.bodyHashHeader ?? true,
  });
  const request = await signer.sign(
    {
      method: options.method ?? "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...(options.body ? { "content-type": "application/json" } : {}) },
      body: options.body,
    },
    { signingDate: options.at ?? new Date() },
  );
  const { host: _host, ...headers } = request.headers;
  return headers;
}

async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(platform().ApiUrl + path, { method, headers, body });
  const text = await res.text();
  return {
    status: res.status,
    json: JSON.parse(text) as { success: boolean; error?: { code: string; message: string } },
  };
}

const forbidden = (message: RegExp) => ({
  success: false,
  error: { code: "forbidden", message: expect.stringMatching(message) },
});

describe("the front door on the operators' routes (auth iam)", () => {
  it("lets a request signed with the local credentials through to the admin handler", async () => {
    // Prepare
    const headers = await signedHeaders({ path: "/admin/v1/event-types" });

    // Act
    const res = await send("GET", "/admin/v1/event-types", headers);

    // Assess
    expect(res.status).toBe(200);
    expect(res.json.success).toBe(true);
  });

  it("refuses a request with no signature with 403 in the API's envelope", async () => {
    const res = await send("GET", "/admin/v1/event-types", {});

    expect(res.status).toBe(403);
    expect(res.json).toEqual(forbidden(/missing Authorization/));
  });

  it("refuses a signature made with the wrong secret", async () => {
    const headers = await signedHeaders({ path: "/admin/v1/event-types", secret: "not-the-local-secret" });

    const res = await send("GET", "/admin/v1/event-types", headers);

    expect(res.status).toBe(403);
    expect(res.json).toEqual(forbidden(/signature does not match/));
  });

  it("refuses a body other than the one signed, with or without x-amz-content-sha256", async () => {
    const path = "/admin/v1/event-types/sigv4_test.body_swap";
    const signedBody = JSON.stringify({ description: "what was signed" });
    const sentBody = JSON.stringify({ description: "what was sent" });

    const withHash = await send(
      "PUT",
      path,
      await signedHeaders({ method: "PUT", path, body: signedBody }),
      sentBody,
    );
    const withoutHash = await send(
      "PUT",
      path,
      await signedHeaders({ method: "PUT", path, body: signedBody, bodyHashHeader: false }),
      sentBody,
    );

    expect(withHash.status).toBe(403);
    expect(withHash.json).toEqual(forbidden(/x-amz-content-sha256/));
    expect(withoutHash.status).toBe(403);
    expect(withoutHash.json).toEqual(forbidden(/signature does not match/));
  });

  it("refuses a signature sent to another path than the one signed", async () => {
    const headers = await signedHeaders({ path: "/admin/v1/event-types" });

    const res = await send("GET", "/admin/v1/event-types/crm.lead.created", headers);

    expect(res.status).toBe(403);
    expect(res.json).toEqual(forbidden(/signature does not match/));
  });

  it("refuses a correct signature whose x-amz-date is over 5 minutes old or ahead", async () => {
    const sixMinutes = 6 * 60_000;
    const old = await signedHeaders({ path: "/admin/v1/event-types", at: new Date(Date.now() - sixMinutes) });
    const ahead = await signedHeaders({
      path: "/admin/v1/event-types",
      at: new Date(Date.now() + sixMinutes),
    });

    const stale = await send("GET", "/admin/v1/event-types", old);
    const early = await send("GET", "/admin/v1/event-types", ahead);

    expect(stale.status).toBe(403);
    expect(stale.json).toEqual(forbidden(/stale/));
    expect(early.status).toBe(403);
    expect(early.json).toEqual(forbidden(/stale/));
  });

  it("refuses a tenant's API key on an admin route", async () => {
    const tenant = await newTenant("sigv4");

    const res = await tenant.api("GET", "/admin/v1/event-types");

    expect(res.status).toBe(403);
    expect(res.json).toEqual(forbidden(/API key does not authorize/));
  });
});

describe("the front door on the tenants' routes (auth apiKey)", () => {
  it("takes an operator's signature for an unknown API key: 401, acting for no tenant", async () => {
    const headers = await signedHeaders({ path: "/v1/webhooks" });

    const res = await send("GET", "/v1/webhooks", headers);

    expect(res.status).toBe(401);
    expect(res.json.error?.code).toBe("unauthorized");
  });
});

describe("startFrontDoor with an IAM route", () => {
  const operator: LocalOperator = {
    credentials: { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local-test-secret" },
    region: "us-east-1",
    accountId: "123456789012",
    userArn: "arn:aws:iam::123456789012:user/local-operator",
    userId: "AIDALOCALTEST",
  };
  const authorizer = vi.fn(async () => ({ isAuthorized: true, context: { tenantId: "t-1" } }));
  const events: Parameters<RouteFunction>[0][] = [];
  let frontDoor: FrontDoor;

  beforeAll(async () => {
    frontDoor = await startFrontDoor({
      port: 0,
      routes: [
        { method: "POST", path: "/admin/v1/echo", function: "adminApi", auth: "iam" },
        { method: "GET", path: "/v1/echo", function: "webhookQueries", auth: "apiKey" },
      ],
      functions: {
        adminApi: async (event) => (events.push(event), { statusCode: 204 }),
        webhookQueries: async (event) => (events.push(event), { statusCode: 204 }),
      },
      authorizer,
      authorizerCacheTtlMs: 0,
      operator,
      context: (name) => lambdaContext(name, 1_000),
    });
  });
  afterAll(() => frontDoor?.close());

  it("hands the handler API Gateway's iam authorizer context and never runs the Lambda authorizer", async () => {
    // Prepare
    const url = new URL(`${frontDoor.url}/admin/v1/echo`);
    const body = JSON.stringify({ hello: "world" });
    const signer = new SignatureV4({
      ...operator,
      service: "execute-api",
      sha256: Hash.bind(null, "sha256"),
    });
    const signed = await signer.sign({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      path: url.pathname,
      query: {},
      headers: { host: url.host, "content-type": "application/json" },
      body,
    });
    const { host: _host, ...headers } = signed.headers;
    events.length = 0;
    authorizer.mockClear();

    // Act
    const res = await fetch(url, { method: "POST", headers, body });

    // Assess
    expect(res.status).toBe(204);
    expect(authorizer).not.toHaveBeenCalled();
    expect(events[0]?.body).toBe(body);
    expect(events[0]?.requestContext.authorizer).toEqual({
      iam: {
        accessKey: "AKIDLOCALTEST",
        accountId: "123456789012",
        callerId: "AIDALOCALTEST",
        principalOrgId: null,
        userArn: "arn:aws:iam::123456789012:user/local-operator",
        userId: "AIDALOCALTEST",
        cognitoIdentity: null,
      },
    });
  });

  it("still runs the Lambda authorizer for an apiKey route", async () => {
    events.length = 0;
    authorizer.mockClear();

    const res = await fetch(`${frontDoor.url}/v1/echo`, { headers: { authorization: "Bearer hk_anything" } });

    expect(res.status).toBe(204);
    expect(authorizer).toHaveBeenCalledOnce();
    expect(events[0]?.requestContext.authorizer).toEqual({ lambda: { tenantId: "t-1" } });
  });
});

describe("sigV4Verifier", () => {
  // AWS's SigV4 test suite, case get-vanilla: GET / on example.amazonaws.com, signed at 20150830T123600Z.
  const vector = {
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    region: "us-east-1",
    service: "service",
    now: () => new Date("2015-08-30T12:36:00Z"),
  };
  const getVanilla = (authorization: string): SignedRequest => ({
    method: "GET",
    path: "/",
    query: new URLSearchParams(),
    headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z", authorization },
    body: new Uint8Array(),
  });
  const vanillaAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
    "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

  it("accepts AWS's reference signature for get-vanilla", async () => {
    const verify = sigV4Verifier(vector);

    await expect(verify(getVanilla(vanillaAuthorization))).resolves.toEqual({ accessKeyId: "AKIDEXAMPLE" });
  });

  it.each([
    [
      "another access key id",
      vanillaAuthorization.replace("AKIDEXAMPLE/", "AKIDOTHER/"),
      /access key id AKIDOTHER/,
    ],
    ["another region", vanillaAuthorization.replace("/us-east-1/", "/eu-west-1/"), /region eu-west-1/],
    ["another service", vanillaAuthorization.replace("/service/", "/s3/"), /service s3/],
    [
      "a scope date other than x-amz-date's",
      vanillaAuthorization.replace("/20150830/", "/20150831/"),
      /date/,
    ],
    [
      "SignedHeaders without x-amz-date",
      vanillaAuthorization.replace("host;x-amz-date", "host"),
      /x-amz-date/,
    ],
    ["a truncated signature", vanillaAuthorization.slice(0, -2), /64 lower-case hex/],
    ["a changed signature", vanillaAuthorization.replace("5fa00fa3", "5fa00fa4"), /does not match/],
    ["no Credential", "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=00", /needs Credential/],
    ["another scheme", "Basic dXNlcjpwYXNz", /not a AWS4-HMAC-SHA256 signature/],
  ])("refuses %s", async (_case, authorization, reason) => {
    const verify = sigV4Verifier(vector);

    const refusal = verify(getVanilla(authorization));

    await expect(refusal).rejects.toBeInstanceOf(SignatureVerificationError);
    await expect(refusal).rejects.toThrow(reason);
  });

  it("refuses a signed header the request does not carry", async () => {
    const verify = sigV4Verifier(vector);
    const authorization = vanillaAuthorization.replace("host;x-amz-date", "host;x-amz-date;x-extra");

    await expect(verify(getVanilla(authorization))).rejects.toThrow(/x-extra is not in the request/);
  });

  it("allows 5 minutes of clock skew either way, and not more", async () => {
    const at = (iso: string) => sigV4Verifier({ ...vector, now: () => new Date(iso) });

    await expect(at("2015-08-30T12:41:00Z")(getVanilla(vanillaAuthorization))).resolves.toBeDefined();
    await expect(at("2015-08-30T12:31:00Z")(getVanilla(vanillaAuthorization))).resolves.toBeDefined();
    await expect(at("2015-08-30T12:41:01Z")(getVanilla(vanillaAuthorization))).rejects.toThrow(
      /stale: .* 301 s/,
    );
    await expect(at("2015-08-30T12:30:59Z")(getVanilla(vanillaAuthorization))).rejects.toThrow(
      /stale: .* -301 s/,
    );
  });
});
