/**
 * @module The integrator portal (docs/stack.md): sign in with an API key or a portal session,
 * then the signed-in shell. For now the Endpoints view shows how many endpoints the tenant has;
 * the journeys fill the views in.
 */
import { type ApiResult, apiGet } from "./api";
import { type Child, h, show } from "./dom";
import { currentToken, forgetToken, keepToken, takeFragmentToken } from "./session";

const SESSION_EXPIRED = "Your session has expired or was revoked; sign in again";

type View = "endpoints" | "deliveries";
const VIEW_TITLES: Record<View, string> = { endpoints: "Endpoints", deliveries: "Delivery log" };

const app = document.getElementById("app") ?? document.body;
const actions = h("div", { class: "bar-actions" });
const status = h("div", { class: "status", role: "alert" });
const main = h("main", { id: "main", class: "page" });
show(
  app,
  h("header", { class: "bar" }, h("p", { class: "brand" }, "Hookline ", h("span", null, "portal")), actions),
  h("div", { class: "page" }, status),
  main,
);

/** Shows `message` in the alert area (announced by screen readers); none clears it. */
function say(message?: string): void {
  show(status, message ?? "");
}

/** A view's heading, focusable so that focus can move to new content. */
const heading = (text: string): HTMLHeadingElement => h("h1", { tabindex: "-1" }, text);

function signInScreen(): void {
  show(actions);
  const input = h("input", {
    id: "api-key",
    type: "password",
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "api-key-hint",
  });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  // No name on the input and a CSP of form-action 'none': the key can never be submitted in a URL.
  const form = h(
    "form",
    {
      class: "card",
      "aria-labelledby": "sign-in-title",
      on: {
        submit: (event) => {
          event.preventDefault();
          void signInWithKey(input, button);
        },
      },
    },
    h("h1", { id: "sign-in-title" }, "Sign in"),
    h(
      "p",
      { id: "api-key-hint", class: "hint" },
      "Use an API key of your tenant, or open the sign-in link your operator sent you.",
    ),
    h("label", { for: "api-key" }, "API key"),
    input,
    h("div", { class: "form-actions" }, button),
  );
  show(main, form);
  input.focus();
}

async function signInWithKey(input: HTMLInputElement, button: HTMLButtonElement): Promise<void> {
  const key = input.value.trim();
  if (!key) return;
  button.disabled = true;
  show(button, "Signing in…");
  say();
  const result = await apiGet<unknown[]>("/v1/webhooks", key);
  if (!result.ok) {
    // A refused key is the API's own answer (401 names what to send); the user stays here.
    button.disabled = false;
    show(button, "Sign in");
    say(result.message);
    input.select();
    return;
  }
  keepToken(key);
  signedIn(key, result);
}

/** Back to sign-in when the API refuses a token it took before (expired, revoked). */
function sessionExpired(): void {
  forgetToken();
  signInScreen();
  say(SESSION_EXPIRED);
}

function signOut(): void {
  forgetToken();
  say();
  signInScreen();
}

/** The signed-in shell: the views' nav and Sign out, then the chosen view. */
function signedIn(token: string, firstPage?: ApiResult<unknown[]>): void {
  const tabs = (Object.keys(VIEW_TITLES) as View[]).map((view) =>
    h(
      "button",
      { type: "button", class: "tab", "data-view": view, on: { click: () => open(view) } },
      VIEW_TITLES[view],
    ),
  );
  const open = (view: View, preloaded?: ApiResult<unknown[]>) => {
    for (const tab of tabs) {
      if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    if (view === "endpoints") void endpointsView(token, preloaded);
    else deliveriesView();
  };
  show(
    actions,
    h(
      "nav",
      { "aria-label": "Portal" },
      h(
        "ul",
        null,
        tabs.map((tab) => h("li", null, tab)),
      ),
    ),
    h("button", { type: "button", class: "secondary", on: { click: signOut } }, "Sign out"),
  );
  open("endpoints", firstPage);
}

function countText(total: number): string {
  if (total === 0) return "You have no endpoints yet.";
  return `You have ${total} ${total === 1 ? "endpoint" : "endpoints"}.`;
}

async function endpointsView(token: string, preloaded?: ApiResult<unknown[]>): Promise<void> {
  const title = heading("Endpoints");
  const body = h("p", { "aria-busy": "true" }, "Loading endpoints…");
  view(title, body);
  const result = preloaded ?? (await apiGet<unknown[]>("/v1/webhooks", token));
  // Signed out, or in again with another token, while this was loading.
  if (currentToken() !== token) return;
  body.removeAttribute("aria-busy");
  if (!result.ok) {
    if (result.status === 401) return sessionExpired();
    show(body, "The endpoints could not be loaded.");
    return say(result.message);
  }
  show(body, countText(result.pagination?.total ?? result.data.length));
}

function deliveriesView(): void {
  view(heading("Delivery log"), h("p", null, "The delivery log of your endpoints will appear here."));
}

function view(title: HTMLHeadingElement, ...content: Child[]): void {
  say();
  show(main, h("section", { class: "card" }, title, ...content));
  title.focus();
}

function start(): void {
  const handedOver = takeFragmentToken();
  if (handedOver) keepToken(handedOver);
  const token = currentToken();
  if (token) signedIn(token);
  else signInScreen();
}

start();
