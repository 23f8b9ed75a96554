import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BuildOptions, buildSync, type Metafile } from "esbuild";
import { PORTAL_BUNDLE_DIR } from "../portal/assets";
import { buildPortalSync } from "../portal/build";

/**
 * How every Lambda is bundled, in esbuild's own terms, so that a script builds a handler exactly
 * as `cdk synth` ships it (bench/bundle-size.ts).
 */
export const esbuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  // Prefer the ESM build of dependencies: esbuild can only tree-shake ES modules.
  mainFields: ["module", "main"],
  minify: true,
  sourcemap: true,
  // Stack traces need the mappings only; embedding the sources would roughly double the asset.
  sourcesContent: false,
  // CommonJS dependencies inside an ESM bundle still call require(), which ESM does not define.
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  // Nothing is external: the AWS SDK versions the tests ran against ship in the bundle,
  // instead of whatever SDK the Lambda runtime happens to carry.
  external: [],
  // What a handler imports only when first used (ajv, the Scheduler client, the SDK's other
  // credential providers) goes in chunks of its own: a cold start does not even parse them.
  splitting: true,
  entryNames: "index",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
} satisfies BuildOptions;

/**
 * Bundles the handler `entry` into `outdir`: `index.mjs` (Lambda's `index.handler`) and its
 * chunks. Answers what went into which file.
 */
export function bundleHandler(entry: string, outdir: string): Metafile {
  return buildSync({ ...esbuildOptions, entryPoints: [entry], outdir, logLevel: "warning", metafile: true })
    .metafile;
}

/**
 * Writes the integrator portal's files (portal/build.ts) into `outdir/portal/`, beside the portal
 * function's index.mjs, where it reads them at its first request (lambdas/wiring/portal.ts).
 */
export function bundlePortalFiles(outdir: string): void {
  const dir = join(outdir, PORTAL_BUNDLE_DIR);
  mkdirSync(dir, { recursive: true });
  for (const [name, { body }] of Object.entries(buildPortalSync())) writeFileSync(join(dir, name), body);
}
