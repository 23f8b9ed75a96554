/**
 * @module The portal function (public routes, no tenant data): the integrator portal's page and
 * assets, and the API's OpenAPI document (docs/openapi.json, bundled in).
 */
import openApiDocument from "../../docs/openapi.json" with { type: "json" };
import { type LoadPortalAssets, portalHttpHandler } from "../adapters/static-assets";
import { bundledPortalAssets, logger } from "../wiring/portal";

/** The function over any source of the files: the local run passes the ones it built in memory. */
export const portalHandler = (loadAssets: LoadPortalAssets) =>
  portalHttpHandler({ loadAssets, openApiDocument, logger });

/** The deployed function: the files bundled beside it, read at the first request. */
export const handler = portalHandler(bundledPortalAssets);
