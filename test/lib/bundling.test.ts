import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaFunctions } from "../../lambdas/functions";
import { bundleHandler } from "../../lib/bundling";

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
