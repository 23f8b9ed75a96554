import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaFunctions } from "../../lambdas/functions";
import { bundleHandler, bundlePortalFiles } from "../../lib/bundling";
import { lambdaContext } from "../../local/lambda-context";
import { buildPortal } from "../../portal/build";

const outdir = mkdtempSync(join(tmpdir(), "hookline-bundle-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The packages whose code went into the output files for which `which` holds. */
function packagesIn(metafile: Metafile, which: (file: string) => boolean): Set<string> {
  const packages = new Set<string>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!which(file)) continue;
    for (const input of Object.keys(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name) packages.add(name);
    }
  }
  return packages;
}

describe("bundleHandler", () => {
  let metafile: Metafile;
  beforeAll(() => {
    metafile = bundleHandler(lambdaFunctions.deliveryWorker.entry, outdir);
  });

  const isEntry = (file: string) => file.endsWith("/index.mjs");
  const isChunk = (file: string) => file.includes("/chunks/") && file.endsWith(".mjs");

  it("keeps what the worker loads only on first use out of index.mjs, in chunks loaded then", () => {
    // Act
    const atImport = packagesIn(metafile, isEntry);
    const chunked = packagesIn(metafile, isChunk);

    // Assess: ajv (a catalog type with a JSON Schema) and the Scheduler client (a failed attempt)
    for (const lazy of ["ajv", "ajv-formats", "@aws-sdk/client-scheduler"]) {
      expect(atImport).not.toContain(lazy);
      expect(chunked).toContain(lazy);
    }
    expect(atImport).toContain("@aws-sdk/client-dynamodb");
  });

  it("writes an index.mjs that exports the handler, and chunks that load on their own", async () => {
    // Prepare
    const files = Object.keys(metafile.outputs).map((file) => resolve(file));

    // Act
    const entry = (await import(join(outdir, "index.mjs"))) as { handler?: unknown };
    const chunks = await Promise.all(files.filter(isChunk).map((file) => import(file)));

    // Assess
    expect(typeof entry.handler).toBe("function");
    expect(chunks.length).toBeGreaterThan(0);
  });
});

describe("the portal function's bundle", () => {
  const portalDir = mkdtempSync(join(tmpdir(), "hookline-portal-bundle-"));
  afterAll(() => rmSync(portalDir, { recursive: true, force: true }));
  let metafile: Metafile;
  let handler: (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
  beforeAll(async () => {
    metafile = bundleHandler(lambdaFunctions.portal.entry, portalDir);
    bundlePortalFiles(portalDir);
    ({ handler } = await import(join(portalDir, "index.mjs")));
  });

  /** What API Gateway hands the function for `GET <path>` on the route `routeKey`. */
  const get = (routeKey: string, path: string, pathParameters?: Record<string, string>) =>
    handler(
      {
        version: "2.0",
        routeKey,
        rawPath: path,
        rawQueryString: "",
        headers: {},
        ...(pathParameters ? { pathParameters } : {}),
        isBase64Encoded: false,
        requestContext: { http: { method: "GET", path } },
      } as unknown as APIGatewayProxyEventV2,
      lambdaContext("portal", 10_000),
    );

  it("serves the portal's files from beside its index.mjs, as the build made them", async () => {
    // Prepare
    const built = await buildPortal();

    // Act
    const page = await get("GET /portal", "/portal");
    const script = await get("GET /portal/{asset}", "/portal/app.js", { asset: "app.js" });

    // Assess
    expect(page).toMatchObject({ statusCode: 200, body: built["index.html"].body });
    expect(script).toMatchObject({ statusCode: 200, body: built["app.js"].body });
    expect(script.headers?.["content-type"]).toBe("text/javascript; charset=utf-8");
  });

  it("serves the OpenAPI document it was bundled with", async () => {
    const document = await get("GET /v1/openapi.json", "/v1/openapi.json");

    expect(JSON.parse(String(document.body))).toEqual(JSON.parse(readFileSync("docs/openapi.json", "utf8")));
  });

  it("ships none of the portal's build tooling", () => {
    const packages = new Set(
      Object.keys(metafile.inputs).flatMap(
        (input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? [],
      ),
    );

    expect(packages).not.toContain("esbuild");
    expect(Object.keys(metafile.inputs).filter((input) => input.startsWith("portal/"))).toEqual([
      "portal/assets.ts",
    ]);
  });
});
