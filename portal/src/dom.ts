/**
 * @module The portal's one way to make DOM: `h(tag, attributes, ...children)`. A string child
 * always becomes a text node and an attribute is set with setAttribute, so whatever the API
 * returns (an endpoint's name, an error message) is shown as text and never parsed as HTML.
 * innerHTML and its kin are refused by lint in portal/src (eslint.config.js), and the page's
 * Content-Security-Policy runs no inline script or handler even if one slipped through.
 */

/** What may go inside an element: nodes, text, and nothing for `false`, `null` or `undefined`. */
export type Child = Node | string | number | false | null | undefined | readonly Child[];

export type Listeners = {
  readonly [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void;
};

export interface Attributes {
  /** Event listeners, added with addEventListener: `on: { click: () => ... }`. */
  readonly on?: Listeners;
  /** Any other attribute: `true` sets it empty, `false`, `null` and `undefined` leave it out. */
  readonly [name: string]: string | number | boolean | null | undefined | Listeners;
}

// Attributes that load or navigate: a `javascript:` or `data:` URL there would run or show markup.
const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "xlink:href"]);
const UNSAFE_URL = /^(?:javascript|data|vbscript):/i;
/** Browsers drop control characters and spaces before reading a URL's scheme (`java\tscript:`). */
// eslint-disable-next-line no-control-regex -- matching the control characters is the point
const schemeOf = (url: string) => url.replace(/[\u0000-\u0020]/g, "");

function setAttribute(element: Element, name: string, value: Attributes[string]): void {
  if (value === false || value === null || value === undefined) return;
  if (typeof value === "object") throw new TypeError(`attribute ${name} takes text, not an object`);
  if (/^on/i.test(name)) {
    throw new TypeError(`inline handler ${name} refused: pass listeners as { on: { ... } }`);
  }
  const text = value === true ? "" : String(value);
  if (URL_ATTRIBUTES.has(name.toLowerCase()) && UNSAFE_URL.test(schemeOf(text))) {
    throw new TypeError(`${name} refused: ${text.split(":")[0]}: URLs are not allowed`);
  }
  element.setAttribute(name, text);
}

/** The nodes of `children`, strings and numbers as text nodes, nested arrays flattened. */
function nodes(children: readonly Child[]): Node[] {
  return children.flatMap((child): Node[] => {
    if (child === false || child === null || child === undefined) return [];
    if (Array.isArray(child)) return nodes(child as readonly Child[]);
    if (typeof child === "string" || typeof child === "number") {
      return [document.createTextNode(String(child))];
    }
    return [child as Node];
  });
}

/** A new element: `h("button", { type: "submit" }, "Sign in")`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Attributes | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name === "on") {
      for (const [type, listener] of Object.entries(value as Listeners)) {
        element.addEventListener(type, listener as EventListener);
      }
    } else {
      setAttribute(element, name, value);
    }
  }
  element.append(...nodes(children));
  return element;
}

/** Replaces what `parent` holds with `children`. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...nodes(children));
}
