/**
 * @module The composition root of the portal function. Its own Logger rather than ./clients.ts's:
 * that module's imports bring the AWS SDK clients into a bundle (and a cold start) that serves
 * files only. The files are in the `portal/` folder lib/bundling.ts writes beside the bundle's
 * index.mjs, which this module is bundled into.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { PORTAL_BUNDLE_DIR } from "../../portal/assets";
import { type LoadPortalAssets, readPortalAssets } from "../adapters/static-assets";

export const logger = new Logger();

export const bundledPortalAssets: LoadPortalAssets = () =>
  readPortalAssets(new URL(`./${PORTAL_BUNDLE_DIR}/`, import.meta.url));
