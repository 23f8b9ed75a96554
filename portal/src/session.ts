/**
 * @module The bearer token the portal calls the API with: an API key typed in, or a portal
 * session handed over in the page's fragment (`#session=<token>`, which never reaches a server
 * or a log, unlike a query string). It lives in memory and in this tab's sessionStorage under
 * one key, so a reload stays signed in and closing the tab forgets it; never in localStorage, a
 * cookie or the URL.
 */

const STORAGE_KEY = "hookline.portal.token";

let inMemory: string | undefined;

/** sessionStorage, or nothing where the browser refuses it (storage disabled): memory still works. */
function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * The session token in the fragment, read once at start-up, and the fragment taken out of the
 * address (and so out of the history and of anything the user copies) at once.
 */
export function takeFragmentToken(): string | undefined {
  const parts = location.hash.replace(/^#/, "").split("&");
  const part = parts.find((p) => p.startsWith("session="));
  if (part === undefined) return undefined;
  const rest = parts.filter((p) => p !== part).join("&");
  history.replaceState(history.state, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
  // Opaque: decoded as written, so a "+" stays a "+" (URLSearchParams would make it a space).
  try {
    return decodeURIComponent(part.slice("session=".length)).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function currentToken(): string | undefined {
  inMemory ??= storage()?.getItem(STORAGE_KEY) ?? undefined;
  return inMemory;
}

export function keepToken(token: string): void {
  inMemory = token;
  try {
    storage()?.setItem(STORAGE_KEY, token);
  } catch {
    // Storage full or refused: the token stays in memory for this page.
  }
}

export function forgetToken(): void {
  inMemory = undefined;
  storage()?.removeItem(STORAGE_KEY);
}
