/**
 * @module The integrator portal (docs/portal.md): sign in with an API key or a portal session,
 * then the signed-in shell and its views, chosen by the route in the address (routes.ts). A 401
 * on a token the API took before sends the reader back to sign-in, saying why.
 */
import { type Api, portalApi, settle } from "./api";
import { deliveryView } from "./delivery-log";
import { h, show } from "./dom";
import { endpointView } from "./endpoint-detail";
import { createView, editView } from "./endpoint-form";
import { endpointsView, listEndpoints } from "./endpoints";
import { href, routeOf, type ViewContext } from "./routes";
import { currentToken, forgetToken, keepToken, takeFragmentToken } from "./session";
import { alertArea, mainArea, noticeArea, notify, say } from "./ui";

const SESSION_EXPIRED = "Your session has expired or was revoked; sign in again";

const app = document.getElementById("app") ?? document.body;
const actions = h("div", { class: "bar-actions" });
show(
  app,
  h("header", { class: "bar" }, h("p", { class: "brand" }, "Hookline ", h("span", null, "portal")), actions),
  h("div", { class: "page messages" }, alertArea, noticeArea),
  mainArea,
);

/** Counts what was shown: a view's late answer is dropped once another has been. */
let shown = 0;
let api: Api | undefined;
let firstPage: Awaited<ReturnType<typeof settleList>> | undefined;
let pendingNotice: string | undefined;

const settleList = (key: string) => settle(listEndpoints({ api: portalApi(key, () => {}) }));

function signInScreen(): void {
  shown++;
  api = undefined;
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
      class: "card narrow",
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
  show(mainArea, form);
  input.focus();
}

async function signInWithKey(input: HTMLInputElement, button: HTMLButtonElement): Promise<void> {
  const key = input.value.trim();
  if (!key) return;
  button.disabled = true;
  show(button, "Signing in…");
  say();
  const result = await settleList(key);
  if (!result.ok) {
    // A refused key is the API's own answer (401 names what to send); the user stays here.
    button.disabled = false;
    show(button, "Sign in");
    say(result.refusal.message);
    input.select();
    return;
  }
  keepToken(key);
  firstPage = result;
  signedIn(key);
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

/** The signed-in shell: the nav and Sign out, then the view the address names. */
function signedIn(token: string): void {
  // A 401 answering an earlier session's request must not sign out the one just handed over.
  const thisApi = portalApi(token, () => {
    if (api === thisApi) sessionExpired();
  });
  api = thisApi;
  show(
    actions,
    h(
      "nav",
      { "aria-label": "Portal" },
      h("ul", null, h("li", null, h("a", { href: href.endpoints, class: "tab" }, "Endpoints"))),
    ),
    h("button", { type: "button", class: "secondary", on: { click: signOut } }, "Sign out"),
  );
  render();
}

/** Shows the view of the current address. */
function render(): void {
  if (!api) return;
  const number = ++shown;
  const ctx: ViewContext = {
    api,
    live: () => shown === number,
    go: (hash, notice) => {
      pendingNotice = notice;
      if (location.hash === hash) render();
      else location.hash = hash;
    },
  };
  const route = routeOf(location.hash);
  const tab = actions.querySelector("a.tab");
  if (route.view === "endpoints") tab?.setAttribute("aria-current", "page");
  else tab?.removeAttribute("aria-current");
  say();
  if (pendingNotice) notify(pendingNotice);
  pendingNotice = undefined;
  if (route.view !== "endpoints") show(mainArea, h("p", { "aria-busy": "true" }, "Loading…"));
  const preloaded = firstPage;
  firstPage = undefined;
  switch (route.view) {
    case "endpoints":
      return void endpointsView(ctx, preloaded);
    case "create":
      return void createView(ctx);
    case "endpoint":
      return void endpointView(ctx, route.id);
    case "edit":
      return void editView(ctx, route.id);
    case "delivery":
      return void deliveryView(ctx, route.id, route.deliveryId);
  }
}

/** A `#session=` handed over (also in a tab already open) signs in with it; else the route changed. */
function addressChanged(): void {
  const handedOver = takeFragmentToken();
  if (handedOver) {
    keepToken(handedOver);
    return signedIn(handedOver);
  }
  render();
}

function start(): void {
  const handedOver = takeFragmentToken();
  if (handedOver) keepToken(handedOver);
  const token = currentToken();
  if (token) signedIn(token);
  else signInScreen();
  window.addEventListener("hashchange", addressChanged);
}

start();
