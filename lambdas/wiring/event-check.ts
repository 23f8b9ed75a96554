/**
 * @module The composition root's ingest check: the catalog as ingest reads it,
 * with each type's schema compiled by ajv. Apart from ./clients.ts so that only the
 * functions that check events (the delivery workers, POST /v1/events) bundle ajv.
 */
import { eventChecker } from "../core/catalog/event-check";
import { ingestCatalog, once } from "./clients";

export const eventCheck = /* @__PURE__ */ once(() => eventChecker(ingestCatalog()));
