/**
 * @module The composition root of the operators' API: the catalog's admin (which
 * compiles schemas with ajv), the API-key lifecycle and portal sessions.
 */
import { apiKeyAdmin as createApiKeyAdmin } from "../core/api-keys";
import { catalogAdmin as createCatalogAdmin } from "../core/catalog/catalog-admin";
import { portalSessionAdmin as createPortalSessionAdmin } from "../core/portal-sessions";
import { apiKeyStore, eventTypeStore, once } from "./clients";

export const apiKeyAdmin = /* @__PURE__ */ once(() => createApiKeyAdmin({ store: apiKeyStore() }));

export const portalSessionAdmin = /* @__PURE__ */ once(() =>
  createPortalSessionAdmin({ store: apiKeyStore() }),
);

export const catalogAdmin = /* @__PURE__ */ once(() => createCatalogAdmin({ store: eventTypeStore() }));
