import { type BundlingOptions, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import type { BuildOptions } from "esbuild";

/**
 * How every Lambda is bundled, in esbuild's own terms, so a script can build a
 * handler with esbuild directly and get exactly what `cdk synth` ships.
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
} satisfies BuildOptions;

/** The same options as NodejsFunction takes them (it adds `bundle` and `platform` itself). */
export const nodejsBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: esbuildOptions.target,
  mainFields: esbuildOptions.mainFields,
  minify: esbuildOptions.minify,
  sourceMap: esbuildOptions.sourcemap,
  sourcesContent: esbuildOptions.sourcesContent,
  banner: esbuildOptions.banner.js,
  externalModules: esbuildOptions.external,
};
