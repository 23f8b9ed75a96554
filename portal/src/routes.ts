/**
 * @module Where the portal is: a route in `location.hash` (`#/endpoints/<id>`), so Back and a
 * reload work. The token never goes there: the `#session=` handover is taken out of the address
 * before any route is read (session.ts). What every view is given to work with.
 */
import type { Api } from "./api";

export type Route =
  | { readonly view: "endpoints" }
  | { readonly view: "create" }
  | { readonly view: "endpoint"; readonly id: string }
  | { readonly view: "edit"; readonly id: string }
  | { readonly view: "delivery"; readonly id: string; readonly deliveryId: string };

const part = (value: string) => encodeURIComponent(value);

export const href = {
  endpoints: "#/",
  create: "#/new",
  endpoint: (id: string) => `#/endpoints/${part(id)}`,
  edit: (id: string) => `#/endpoints/${part(id)}/edit`,
  delivery: (id: string, deliveryId: string) => `#/endpoints/${part(id)}/deliveries/${part(deliveryId)}`,
};

export function routeOf(hash: string): Route {
  let parts: string[];
  try {
    parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { view: "endpoints" };
  }
  const [first, id, third, deliveryId] = parts;
  if (first === "new" && parts.length === 1) return { view: "create" };
  if (first !== "endpoints" || id === undefined) return { view: "endpoints" };
  if (parts.length === 2) return { view: "endpoint", id };
  if (third === "edit" && parts.length === 3) return { view: "edit", id };
  if (third === "deliveries" && deliveryId !== undefined && parts.length === 4) {
    return { view: "delivery", id, deliveryId };
  }
  return { view: "endpoints" };
}

export interface ViewContext {
  readonly api: Api;
  /** False once the user has gone elsewhere (or signed out): a late answer is dropped. */
  readonly live: () => boolean;
  /** Goes to `hash` (shows it again when already there), then says `notice` there. */
  readonly go: (hash: string, notice?: string) => void;
}
