/**
 * @module The Endpoints view: every endpoint of the tenant with its health (docs/api.md,
 * Health), all of them or the active or disabled ones.
 */
import { ENDPOINTS_PER_PAGE, type Endpoint, type Result, type Schemas } from "./api";
import { h, show } from "./dom";
import { href, type ViewContext } from "./routes";
import { badge, field, heading, say, showView, table, when } from "./ui";

type EndpointPage = Schemas["EndpointListResponse"];
type Filter = "" | "true" | "false";

/** Kept while the tab lives, so coming back to the list shows the same choice. */
let filter: Filter = "";

export const listEndpoints = (ctx: Pick<ViewContext, "api">, active: Filter = "") =>
  ctx.api.client.GET("/v1/webhooks", {
    params: { query: { limit: ENDPOINTS_PER_PAGE, ...(active ? { active } : {}) } },
  });

const HEALTH_TONES = { healthy: "good", slow: "warn", open: "bad" } as const;

export const statusBadge = (endpoint: Endpoint) =>
  endpoint.is_active
    ? badge("Active", "good")
    : badge(
        `Disabled${endpoint.disabled_reason ? `: ${endpoint.disabled_reason.replace("_", " ")}` : ""}`,
        "bad",
      );

export const healthBadge = (endpoint: Endpoint) =>
  badge(endpoint.health.state, HEALTH_TONES[endpoint.health.state]);

function countText(total: number): string {
  const noun = total === 1 ? "endpoint" : "endpoints";
  if (filter === "") return total === 0 ? "You have no endpoints yet." : `You have ${total} ${noun}.`;
  const kind = filter === "true" ? "active" : "disabled";
  return total === 0 ? `You have no ${kind} endpoints.` : `You have ${total} ${kind} ${noun}.`;
}

function rows(endpoints: readonly Endpoint[]) {
  return endpoints.map((endpoint) => [
    h("span", { class: "wrap" }, h("a", { href: href.endpoint(endpoint.id) }, endpoint.name)),
    h("span", { class: "wrap" }, endpoint.url),
    statusBadge(endpoint),
    healthBadge(endpoint),
    endpoint.health.consecutive_failures,
    when(endpoint.health.next_probe_at),
  ]);
}

/** The list; `preloaded` is the answer sign-in already has (all endpoints). */
export async function endpointsView(ctx: ViewContext, preloaded?: Result<EndpointPage>): Promise<void> {
  const body = h("div", { "aria-live": "polite" });
  const select = h(
    "select",
    { on: { change: () => void load() } },
    [
      ["", "All endpoints"],
      ["true", "Active"],
      ["false", "Disabled"],
    ].map(([value, label]) => h("option", { value, selected: value === filter }, label)),
  );
  let first = preloaded && filter === "" ? preloaded : undefined;

  async function load(): Promise<void> {
    filter = select.value as Filter;
    body.setAttribute("aria-busy", "true");
    const result = first ?? (await ctx.api.call(listEndpoints(ctx, filter)));
    first = undefined;
    if (!ctx.live()) return;
    body.removeAttribute("aria-busy");
    if (!result.ok) {
      show(body, h("p", null, "The endpoints could not be loaded."));
      return say(result.refusal);
    }
    const { data, pagination } = result.value;
    show(
      body,
      h("p", null, countText(pagination.total)),
      data.length > 0 &&
        table(
          "Endpoints",
          ["Name", "URL", "Status", "Health", "Failures in a row", "Next probe"],
          rows(data),
        ),
      pagination.total > data.length && h("p", { class: "hint" }, `Showing the newest ${data.length}.`),
    );
  }

  showView(
    heading("h1", "Endpoints"),
    h(
      "div",
      { class: "toolbar" },
      field("endpoint-filter", "Show", select).element,
      h("a", { href: href.create, class: "button primary" }, "New endpoint"),
    ),
    body,
  );
  await load();
}
