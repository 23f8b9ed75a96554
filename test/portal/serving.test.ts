import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPortal } from "../../portal/build";
import type { PortalAssets } from "../../portal/assets";
import { platform } from "../support/platform";

/** docs/stack.md: the portal's Content-Security-Policy, exactly. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A GET through the local front door, with no API key unless `headers` brings one. */
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(platform().ApiUrl + path, { headers, redirect: "manual" });

const securityHeaders = (res: Response) => ({
  csp: res.headers.get("content-security-policy"),
  nosniff: res.headers.get("x-content-type-options"),
  referrer: res.headers.get("referrer-policy"),
  frames: res.headers.get("x-frame-options"),
});
const expectedSecurityHeaders = { csp: CSP, nosniff: "nosniff", referrer: "no-referrer", frames: "DENY" };

describe("the portal and the OpenAPI document, served by the HTTP API", () => {
  let built: PortalAssets;
  beforeAll(async () => {
    built = await buildPortal();
  });

  it.each([
    ["/portal", "text/html; charset=utf-8", "no-cache"],
    ["/portal/app.js", "text/javascript; charset=utf-8", "public, max-age=300"],
    ["/portal/app.css", "text/css; charset=utf-8", "public, max-age=300"],
    ["/v1/openapi.json", "application/json", "public, max-age=300"],
  ])("serves %s without a key, as %s, cached %s, with the security headers", async (path, type, cache) => {
    const res = await get(path);

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("cache-control")).toBe(cache);
    expect(res.headers.get("etag")).toMatch(/^"[\w-]{27}"$/);
    expect(securityHeaders(res)).toEqual(expectedSecurityHeaders);
  });

  it("serves the page as built, loading its script and styles from /portal and holding no inline code", async () => {
    const page = await (await get("/portal")).text();

    expect(page).toBe(built["index.html"].body);
    expect(page).toContain('<script type="module" src="/portal/app.js"></script>');
    expect(page).toContain('<link rel="stylesheet" href="/portal/app.css" />');
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son\w+=/i);
  });

  it("serves app.js and app.css as built from portal/src", async () => {
    expect(await (await get("/portal/app.js")).text()).toBe(built["app.js"].body);
    expect(await (await get("/portal/app.css")).text()).toBe(built["app.css"].body);
  });

  it("serves the committed docs/openapi.json", async () => {
    const document: unknown = await (await get("/v1/openapi.json")).json();

    expect(document).toEqual(JSON.parse(readFileSync("docs/openapi.json", "utf8")));
  });

  it.each(["/portal/nope.js", "/portal/index.html", "/portal/..%2Fdocs%2Fopenapi.json", "/portal/APP.JS"])(
    "answers %s 404 in the API's error envelope, with the security headers",
    async (path) => {
      const res = await get(path);

      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(securityHeaders(res)).toEqual(expectedSecurityHeaders);
      expect(await res.json()).toEqual({
        success: false,
        error: { code: "not_found", message: expect.stringContaining("the portal has no file") },
      });
    },
  );

  it("serves the public routes whatever Authorization header comes, never asking the authorizer", async () => {
    for (const path of ["/portal", "/portal/app.js", "/v1/openapi.json"]) {
      const res = await get(path, { authorization: "Bearer hk_live_not-a-key" });
      expect(res.status, path).toBe(200);
    }
  });

  it("answers 304 with no body to a request naming the file's current ETag", async () => {
    // Prepare
    const first = await get("/portal");
    const etag = first.headers.get("etag") ?? "";

    // Act
    const again = await get("/portal", { "if-none-match": etag });

    // Assess
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    expect(securityHeaders(again)).toEqual(expectedSecurityHeaders);
  });
});
