import { httpApiHandler } from "../adapters/http-api-handler";
import { acceptHttpEvent } from "../core/event-ingest";
import { MAX_DATA_BYTES } from "../core/event-message";
import { eventPublisher, logger } from "../wiring/clients";
import { eventCheck } from "../wiring/event-check";

export const handler = httpApiHandler({
  logger: logger(),
  // Room for the 256 KB of data plus the envelope; the schema checks data itself.
  maxBodyBytes: MAX_DATA_BYTES + 16 * 1024,
  routes: {
    "POST /v1/events": async (request) => ({
      status: 202,
      data: await acceptHttpEvent(eventPublisher(), eventCheck(), request.tenantId, request.json()),
    }),
  },
});
