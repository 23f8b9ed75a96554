/**
 * @module Builds the integrator portal in memory: src/main.ts bundled into app.js, src/styles.css
 * into app.css, index.html as written. The local run serves the result straight from memory;
 * `cdk synth` writes it into the portal function's bundle (lib/bundling.ts), which reads it at cold start.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, buildSync, type OutputFile } from "esbuild";
import { type PortalAssets, portalAssetsOf } from "./assets";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const INDEX_HTML = here("./index.html");

const options = {
  entryPoints: [
    { in: here("./src/main.ts"), out: "app" },
    { in: here("./src/styles.css"), out: "app" },
  ],
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  // Nothing is written: esbuild wants an output folder only to name the files it returns.
  write: false,
  outdir: here("./dist"),
  logLevel: "warning",
} satisfies BuildOptions;

function assetsOf(outputFiles: readonly OutputFile[], indexHtml: string): PortalAssets {
  const built = new Map(outputFiles.map((file) => [basename(file.path), file.text]));
  return portalAssetsOf((name) => (name === "index.html" ? indexHtml : built.get(name)));
}

/** The portal's files, built in memory (about 0.1 s): what the local run serves. */
export async function buildPortal(): Promise<PortalAssets> {
  const [result, indexHtml] = await Promise.all([build(options), readFile(INDEX_HTML, "utf8")]);
  return assetsOf(result.outputFiles, indexHtml);
}

/** The same, synchronously: CDK's local bundling (lib/bundling.ts) cannot wait for a promise. */
export function buildPortalSync(): PortalAssets {
  return assetsOf(buildSync(options).outputFiles, readFileSync(INDEX_HTML, "utf8"));
}
