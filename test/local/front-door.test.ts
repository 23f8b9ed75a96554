import { Agent, request } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { newTenant, platform } from "../support/platform";

/** The local front door at the edges where it must behave as API Gateway does. */

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
afterAll(() => agent.destroy());

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request on the shared keep-alive agent: a single connection, reused while it stays open. */
function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(platform().ApiUrl + path), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    // The front door answers before the whole body is sent; the rest of the upload may then fail.
    req.on("error", (error) => (req.writableFinished ? undefined : reject(error)));
    req.end(body);
  });
}

describe("the local front door", () => {
  it("answers a body over 10 MB with 413 and closes the connection, so the next request is clean", async () => {
    // Prepare
    const { key } = await newTenant();
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const huge = Buffer.alloc(11 * 1024 * 1024, "a");

    // Act
    const refused = await send("POST", "/v1/events", auth, huge);
    const next = await send("GET", "/v1/webhooks", auth);

    // Assess
    expect(refused.status).toBe(413);
    expect(refused.headers.connection).toBe("close");
    expect(JSON.parse(refused.body)).toMatchObject({ success: false, error: { code: "payload_too_large" } });
    expect(next.status).toBe(200);
  });
});
