/**
 * @module The composition root of the operators' API: the catalog's admin (which
 * compiles schemas with ajv) and the API-key lifecycle.
 */
import { apiKeyAdmin as createApiKeyAdmin } from "../core/api-keys";
import { catalogAdmin as createCatalogAdmin } from "../core/catalog/catalog-admin";
import { apiKeyStore, eventTypeStore, once } from "./clients";

export const apiKeyAdmin = /* @__PURE__ */ once(() => createApiKeyAdmin({ store: apiKeyStore() }));

export const catalogAdmin = /* @__PURE__ */ once(() => createCatalogAdmin({ store: eventTypeStore() }));
