/**
 * @module How an event item stores what it is big for: its data (as JSON text,
 * brotli-compressed past a few hundred bytes, so a KB of data costs well under
 * a write unit) and the deliveries of its fan-out; and how every layout an
 * event has been stored in reads back.
 */
import * as zlib from "node:zlib";
import type { DeliveryRef } from "../core/delivery/model";

/** Brotli pays off past a few hundred bytes; below that the text is as small. */
const COMPRESS_FROM_BYTES = 400;
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } };
const REF_SEPARATOR = "/";
const REFS_SEPARATOR = ",";

/**
 * The data as JSON text (a DynamoDB map does not keep key order, and a retry must send the
 * same bytes), compressed when that is smaller.
 */
export function dataAttribute(data: unknown): { data_json: string } | { data_br: Uint8Array } {
  const text = JSON.stringify(data);
  if (text.length < COMPRESS_FROM_BYTES) return { data_json: text };
  return { data_br: zlib.brotliCompressSync(text, BROTLI) };
}

/** Every layout an event has been stored in: compressed text, text, and (the first) a map. */
export function storedData(item: Record<string, unknown>): unknown {
  if (item.data_br instanceof Uint8Array)
    return JSON.parse(zlib.brotliDecompressSync(item.data_br).toString("utf8"));
  if (typeof item.data_json === "string") return JSON.parse(item.data_json);
  return item.data;
}

/** The fan-out's deliveries, in one string: about 70 bytes each. */
export function refsAttribute(refs: readonly DeliveryRef[]): { refs: string } {
  return { refs: refs.map((r) => `${r.webhook_id}${REF_SEPARATOR}${r.delivery_id}`).join(REFS_SEPARATOR) };
}

/** The fan-out's deliveries: `webhook/delivery` pairs in one string, or (before) a list of maps. */
export function storedRefs(item: Record<string, unknown>): DeliveryRef[] {
  if (typeof item.refs === "string") {
    return item.refs
      .split(REFS_SEPARATOR)
      .filter(Boolean)
      .map((pair) => {
        const [webhook_id = "", delivery_id = ""] = pair.split(REF_SEPARATOR);
        return { webhook_id, delivery_id };
      });
  }
  return Array.isArray(item.deliveries) ? (item.deliveries as DeliveryRef[]) : [];
}
