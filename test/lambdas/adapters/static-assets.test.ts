import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  PORTAL_SECURITY_HEADERS,
  portalHttpHandler,
  readPortalAssets,
} from "../../../lambdas/adapters/static-assets";
import { lambdaContext } from "../../../local/lambda-context";
import type { PortalAssets } from "../../../portal/assets";

const assets: PortalAssets = {
  "index.html": { body: "<!doctype html><title>t</title>", contentType: "text/html; charset=utf-8" },
  "app.js": { body: "console.log(1)", contentType: "text/javascript; charset=utf-8" },
  "app.css": { body: "body{}", contentType: "text/css; charset=utf-8" },
};
const logger = new Logger({ logLevel: "SILENT" });

function event(
  routeKey: string,
  headers: Record<string, string> = {},
  asset?: string,
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey,
    rawPath: routeKey.split(" ")[1] ?? "",
    rawQueryString: "",
    headers,
    ...(asset === undefined ? {} : { pathParameters: { asset } }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

describe("portalHttpHandler", () => {
  it("answers 500 in the envelope, with the security headers, while the files cannot be read, and reads them again", async () => {
    // Prepare: a first read that fails, then one that works
    let reads = 0;
    const handler = portalHttpHandler({
      loadAssets: async () => {
        reads += 1;
        if (reads === 1) throw new Error("ENOENT: no such file, open '/var/task/portal/index.html'");
        return assets;
      },
      openApiDocument: {},
      logger,
    });

    // Act
    const failed = await handler(event("GET /portal"), lambdaContext("portal", 1000));
    const served = await handler(event("GET /portal"), lambdaContext("portal", 1000));

    // Assess: the internals stay in the log
    expect(failed.statusCode).toBe(500);
    expect(failed.headers).toMatchObject(PORTAL_SECURITY_HEADERS);
    expect(JSON.parse(String(failed.body)).error.code).toBe("internal_error");
    expect(failed.body).not.toContain("ENOENT");
    expect(served).toMatchObject({ statusCode: 200, body: assets["index.html"].body });
    expect(reads).toBe(2);
  });

  it("reads the files once, however many requests come", async () => {
    let reads = 0;
    const handler = portalHttpHandler({
      loadAssets: async () => {
        reads += 1;
        return assets;
      },
      openApiDocument: {},
      logger,
    });

    for (const name of ["app.js", "app.css", "app.js"]) {
      await handler(event("GET /portal/{asset}", {}, name), lambdaContext("portal", 1000));
    }

    expect(reads).toBe(1);
  });

  it("answers 304 to If-None-Match naming the ETag among others, weak or not, or *", async () => {
    const handler = portalHttpHandler({ loadAssets: async () => assets, openApiDocument: {}, logger });
    const first = await handler(event("GET /portal/{asset}", {}, "app.js"), lambdaContext("portal", 1000));
    const etag = String(first.headers?.etag);

    for (const ifNoneMatch of [`"other", W/${etag}`, etag, "*"]) {
      const again = await handler(
        event("GET /portal/{asset}", { "if-none-match": ifNoneMatch }, "app.js"),
        lambdaContext("portal", 1000),
      );
      expect(again.statusCode, ifNoneMatch).toBe(304);
    }
    const stale = await handler(
      event("GET /portal/{asset}", { "if-none-match": '"other"' }, "app.js"),
      lambdaContext("portal", 1000),
    );
    expect(stale.statusCode).toBe(200);
  });
});

describe("readPortalAssets", () => {
  it("refuses a folder missing a file, naming it", async () => {
    await expect(readPortalAssets(new URL("file:///nonexistent-portal/"))).rejects.toThrow(
      /index\.html|app\./,
    );
  });
});
