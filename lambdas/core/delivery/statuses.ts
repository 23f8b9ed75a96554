/**
 * @module The statuses a delivery can be in (docs/delivery.md, Delivery statuses), in a module
 * that imports nothing, so the portal's browser bundle can take the list too.
 */
export const DELIVERY_STATUSES = [
  "pending",
  "succeeded",
  "retrying",
  "parked",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
