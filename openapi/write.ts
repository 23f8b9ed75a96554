/**
 * @module `npm run openapi`: writes docs/openapi.json from the code, and the typed client's types
 * (client/api-types.ts) from that document with openapi-typescript.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument } from "./document";
import { clientTypes, documentText } from "./artifacts";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

const document = buildOpenApiDocument();
await writeFile(root("docs/openapi.json"), documentText(document));
await writeFile(root("client/api-types.ts"), await clientTypes(document));
console.log("wrote docs/openapi.json and client/api-types.ts");
