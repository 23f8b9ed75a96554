/**
 * @module Lints a probe file's text with the project's ESLint config, for the tests that prove a
 * rule of eslint.config.js refuses what it should (test/lint, test/portal).
 */
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";

// The probes are not files of the TypeScript project, so the type-aware rules are off for them.
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: [tseslint.configs.disableTypeChecked] });

/** The messages of the named rules that `code`, as if it were `file`, breaks. */
export async function lintMessages(file: string, code: string, rules: readonly string[]): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId && rules.includes(m.ruleId)).map((m) => m.message);
}
