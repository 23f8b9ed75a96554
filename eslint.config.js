// Lint: ESLint with typescript-eslint's type-aware rules. (Biome was dropped: this
// machine's npm registry lacks its non-Linux binaries, so `npm ci` could not install it.)
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const notLocalOrTest = {
  regex: "^(\\.\\./)+(local|test)(/|$)",
  message: "Deployed code must not import the local run or the tests.",
};

export default tseslint.config(
  // client/api-types.ts is generated from docs/openapi.json (npm run openapi).
  { ignores: ["node_modules/", "cdk.out/", ".local/", "coverage/", "client/api-types.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "no-console": ["error", { allow: ["error", "warn"] }],
      eqeqeq: "error",
    },
  },
  {
    files: ["local/**", "cli/**", "bench/**", "bin/**", "openapi/**", "test/**"],
    rules: { "no-console": "off" },
  },
  {
    // What ships (the Lambdas, the stack) never reaches into the local run or the tests.
    files: ["lambdas/**", "lib/**", "bin/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [notLocalOrTest] }] },
  },
  {
    // The layers (STYLE.md): the domain knows no AWS and no environment; adapters and wiring
    // depend on it, never the other way.
    files: ["lambdas/core/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            notLocalOrTest,
            {
              regex: "^(@aws-sdk|@smithy|@middy|@aws-lambda-powertools)/|^aws-lambda$",
              message: "lambdas/core knows no AWS: translate in lambdas/adapters.",
            },
            {
              regex: "(^|/)(adapters|wiring)(/|$)",
              message: "lambdas/core depends on no adapter or wiring: they depend on it.",
            },
          ],
        },
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message:
            "lambdas/core reads no environment: lambdas/config.ts parses it, and the wiring passes it in.",
        },
      ],
    },
  },
  {
    // The portal shows what the API returns (endpoint names, error messages): as text only, through
    // portal/src/dom.ts, never parsed as HTML.
    files: ["portal/src/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        ...["innerHTML", "outerHTML", "insertAdjacentHTML", "createContextualFragment"].map((property) => ({
          property,
          message: "The portal parses no HTML: build elements with h() from portal/src/dom.ts.",
        })),
        ...["write", "writeln"].map((property) => ({
          object: "document",
          property,
          message: "The portal parses no HTML: build elements with h() from portal/src/dom.ts.",
        })),
      ],
      "no-restricted-syntax": [
        "error",
        {
          // document.write reached as window.document.write (el["innerHTML"] is caught above).
          selector: "MemberExpression[property.name=/^(write|writeln)$/][object.property.name='document']",
          message: "The portal parses no HTML: build elements with h() from portal/src/dom.ts.",
        },
      ],
    },
  },
  {
    files: ["eslint.config.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
