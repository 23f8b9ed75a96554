/**
 * @module A validator built from the committed OpenAPI document (docs/openapi.json): every answer
 * the API test suites get through `apiClient` and `adminApi` (test/support/platform.ts) is checked
 * against what the document says that route answers with that status. An answer the document does
 * not describe fails the test that received it, so the document cannot drift from the API.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

interface MediaType {
  readonly schema?: { readonly $ref?: string };
}
interface ResponseObject {
  readonly $ref?: string;
  readonly content?: Readonly<Record<string, MediaType>>;
}
interface OpenApiDocument {
  readonly paths: Readonly<
    Record<string, Readonly<Record<string, { responses: Record<string, ResponseObject> }>>>
  >;
  readonly components: {
    readonly schemas: Readonly<Record<string, unknown>>;
    readonly responses: Readonly<Record<string, ResponseObject>>;
  };
}

export const openApiDocument = JSON.parse(
  readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8"),
) as OpenApiDocument;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: "openapi", components: { schemas: openApiDocument.components.schemas } });

const validators = new Map<string, ValidateFunction>();
function validatorFor(schemaRef: string): ValidateFunction {
  let validate = validators.get(schemaRef);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi${schemaRef}` });
    validators.set(schemaRef, validate);
  }
  return validate;
}

/** The document's path template a request path falls under (literal segments win, as in API Gateway). */
function pathTemplate(path: string): string | undefined {
  const segments = path.split("/");
  const candidates = Object.keys(openApiDocument.paths).filter((template) => {
    const parts = template.split("/");
    return (
      parts.length === segments.length &&
      parts.every((part, i) => part.startsWith("{") || part === decodeURIComponent(segments[i] ?? ""))
    );
  });
  const literals = (template: string) => template.split("/").filter((part) => !part.startsWith("{")).length;
  return candidates.sort((a, b) => literals(b) - literals(a))[0];
}

/**
 * Why the answer is not what the document says, or undefined when it is. Requests to paths the
 * document does not hold (tests of unknown routes) are not the document's to judge.
 */
export function contractViolation(
  method: string,
  url: string,
  status: number,
  body: unknown,
): string | undefined {
  const path = new URL(url, "http://api").pathname;
  const template = pathTemplate(path);
  const operation = template ? openApiDocument.paths[template]?.[method.toLowerCase()] : undefined;
  if (!template || !operation) return undefined;
  const where = `${method} ${template} answered ${status}`;
  let response = operation.responses[String(status)];
  if (!response) return `${where}, a status docs/openapi.json does not list`;
  if (response.$ref) response = openApiDocument.components.responses[response.$ref.split("/").pop() ?? ""];
  const schemaRef = response?.content?.["application/json"]?.schema?.$ref;
  if (!schemaRef) return undefined;
  const validate = validatorFor(schemaRef);
  if (validate(body)) return undefined;
  return `${where} with a body unlike ${schemaRef}: ${ajv.errorsText(validate.errors)}`;
}

/** Throws when the answer breaks the document: the test that got it fails, naming the difference. */
export function assertMatchesDocument(method: string, url: string, status: number, body: unknown): void {
  const violation = contractViolation(method, url, status, body);
  if (violation) throw new Error(`OpenAPI contract: ${violation}`);
}
