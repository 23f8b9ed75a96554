/**
 * @module One endpoint: its settings and health, what can be done to it (edit, disable or
 * re-enable, rotate the secret, delete), a test event with its attempt, its delivery log, and
 * recover (docs/api.md, Test and Recover).
 */
import type { Endpoint, EventType } from "./api";
import { attemptSummary, deliveryLog } from "./delivery-log";
import { h, show } from "./dom";
import { healthBadge, statusBadge } from "./endpoints";
import { href, type ViewContext } from "./routes";
import {
  actionButton,
  confirmDialog,
  facts,
  failedView,
  field,
  heading,
  notify,
  revealSecret,
  say,
  showView,
  takeSecret,
  when,
} from "./ui";

const list = (items: readonly string[], empty = "none") =>
  items.length === 0
    ? empty
    : h(
        "ul",
        { class: "plain" },
        items.map((item) => h("li", null, h("code", null, item))),
      );

function settings(endpoint: Endpoint) {
  const { health } = endpoint;
  return facts([
    ["Status", [statusBadge(endpoint), endpoint.disabled_at && [" since ", when(endpoint.disabled_at)]]],
    ["URL", h("span", { class: "wrap" }, `${endpoint.http_method} ${endpoint.url}`)],
    ["Events", list(endpoint.events)],
    ["Description", endpoint.description ?? "none"],
    ["Headers", list(Object.entries(endpoint.headers).map(([name, value]) => `${name}: ${value}`))],
    ["Health", [healthBadge(endpoint), health.since && [" since ", when(health.since)]]],
    ["Failures in a row", String(health.consecutive_failures)],
    ["Next probe", when(health.next_probe_at)],
    ["Created", when(endpoint.created_at)],
    ["Updated", when(endpoint.updated_at)],
  ]);
}

/** Sends a plain test or a catalog type's example, and shows the attempt it made. */
function testSection(
  ctx: ViewContext,
  endpoint: Endpoint,
  catalog: readonly EventType[],
  refreshLog: () => void,
) {
  const withExample = catalog.filter((t) => t.example !== undefined && !t.type.startsWith("webhook."));
  const select = h(
    "select",
    null,
    h("option", { value: "" }, "webhook.test (a plain test)"),
    withExample.map((t) => h("option", { value: t.type }, `${t.type} (its example)`)),
  );
  const result = h("div", { class: "result", "aria-live": "polite" });
  const send = actionButton(
    "Send test",
    async () => {
      const body = select.value ? { event_type: select.value } : {};
      const sent = await ctx.api.call(
        ctx.api.client.POST("/v1/webhooks/{id}/test", { params: { path: { id: endpoint.id } }, body }),
      );
      if (!ctx.live()) return;
      if (!sent.ok) return say(sent.refusal);
      const delivery = sent.value.data;
      const attempt = delivery.attempts.at(-1);
      show(
        result,
        h(
          "p",
          null,
          `Test ${delivery.status}. `,
          h("a", { href: href.delivery(endpoint.id, delivery.id) }, `Open ${delivery.id}`),
        ),
        attempt && attemptSummary(attempt),
      );
      refreshLog();
    },
    "primary",
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "test-title" },
    heading("h2", "Send a test event", "test-title"),
    h("p", { class: "hint" }, "Sent once, now, even while the endpoint is disabled; never retried."),
    h("div", { class: "toolbar" }, field("test-event", "Event", select).element, send),
    result,
  );
}

/** Resends every failed or skipped delivery since a time, through the slow lane. */
function recoverSection(ctx: ViewContext, endpoint: Endpoint, refreshLog: () => void) {
  // datetime-local holds the reader's local time, minutes only; a day ago to start with.
  const dayAgo = new Date(Date.now() - 86_400_000 - new Date().getTimezoneOffset() * 60_000);
  const since = h("input", { type: "datetime-local", value: dayAgo.toISOString().slice(0, 16) });
  const result = h("p", { "aria-live": "polite" });
  const recover = actionButton("Recover", async () => {
    const at = new Date(since.value);
    if (Number.isNaN(at.getTime())) return say("Choose the date and time to recover from.");
    const answer = await ctx.api.call(
      ctx.api.client.POST("/v1/webhooks/{id}/recover", {
        params: { path: { id: endpoint.id } },
        body: { since: at.toISOString() },
      }),
    );
    if (!ctx.live()) return;
    if (!answer.ok) return say(answer.refusal);
    const { queued, continuing } = answer.value.data;
    const text = `${queued} ${queued === 1 ? "delivery" : "deliveries"} queued for resending${continuing ? "; the rest are being queued" : ""}.`;
    show(result, text);
    notify(text);
    refreshLog();
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "recover-title" },
    heading("h2", "Recover", "recover-title"),
    h("p", { class: "hint" }, "Resends, once each, every failed or skipped delivery created since then."),
    h("div", { class: "toolbar" }, field("recover-since", "Since", since).element, recover),
    result,
  );
}

function actions(ctx: ViewContext, endpoint: Endpoint) {
  const { id } = endpoint;
  const toggle = actionButton(endpoint.is_active ? "Disable" : "Enable", async () => {
    const is_active = !endpoint.is_active;
    const saved = await ctx.api.call(
      ctx.api.client.PUT("/v1/webhooks/{id}", { params: { path: { id } }, body: { is_active } }),
    );
    if (!ctx.live()) return;
    if (!saved.ok) return say(saved.refusal);
    ctx.go(href.endpoint(id), is_active ? "The endpoint is enabled." : "The endpoint is disabled.");
  });
  const rotate = actionButton("Rotate secret", async () => {
    const rotated = await ctx.api.call(
      ctx.api.client.POST("/v1/webhooks/{id}/rotate-secret", { params: { path: { id } } }),
    );
    if (!ctx.live()) return;
    if (!rotated.ok) return say(rotated.refusal);
    revealSecret(id, "New signing secret: save it", rotated.value.data.secret_token);
    ctx.go(href.endpoint(id));
  });
  const remove = h(
    "button",
    {
      type: "button",
      class: "danger",
      on: {
        click: () =>
          confirmDialog({
            title: "Delete this endpoint?",
            text: [
              h("strong", null, endpoint.name),
              " is deleted at once: it gets nothing more, and its delivery log can no longer be read.",
            ],
            confirm: "Delete endpoint",
            onConfirm: async () => {
              const deleted = await ctx.api.call(
                ctx.api.client.DELETE("/v1/webhooks/{id}", { params: { path: { id } } }),
              );
              if (!ctx.live()) return;
              if (!deleted.ok) return say(deleted.refusal);
              ctx.go(href.endpoints, `${endpoint.name} is deleted.`);
            },
          }),
      },
    },
    "Delete",
  );
  return h(
    "div",
    { class: "toolbar" },
    h("a", { href: href.edit(id), class: "button secondary" }, "Edit"),
    toggle,
    rotate,
    remove,
  );
}

export async function endpointView(ctx: ViewContext, id: string): Promise<void> {
  const path = { params: { path: { id } } };
  // The log is read at the same time as the endpoint, into its section not yet on the page.
  const log = deliveryLog(ctx, id);
  const [found, catalog, logRefusal] = await Promise.all([
    ctx.api.call(ctx.api.client.GET("/v1/webhooks/{id}", path)),
    ctx.api.call(ctx.api.client.GET("/v1/webhooks/events")),
    log.refresh(),
  ]);
  if (!ctx.live()) return;
  if (!found.ok) return failedView("Endpoint", found.refusal);
  const endpoint = found.value.data;
  const secret = takeSecret(id);
  showView(
    heading("h1", endpoint.name),
    h("p", null, h("a", { href: href.endpoints }, "All endpoints")),
    secret,
    h("section", { class: "card", "aria-label": "Settings" }, actions(ctx, endpoint), settings(endpoint)),
    testSection(ctx, endpoint, catalog.ok ? catalog.value.data : [], log.refresh),
    log.element,
    recoverSection(ctx, endpoint, log.refresh),
  );
  // A secret shown once is what the reader must act on first.
  secret?.querySelector("h2")?.focus();
  const refusal = catalog.ok ? logRefusal : catalog.refusal;
  if (refusal) say(refusal);
}
