/**
 * @module An endpoint's delivery log (docs/api.md, Delivery log): filtered by status, paged by
 * cursor, newest first; and one delivery with every attempt, which can be resent now.
 */
import { DELIVERY_STATUSES } from "../../lambdas/core/delivery/statuses";
import type { Attempt, Delivery, DeliverySummary, Refusal } from "./api";
import { type Child, h, show } from "./dom";
import { href, type ViewContext } from "./routes";
import { actionButton, badge, facts, failedView, heading, notify, say, showView, table, when } from "./ui";

type Status = DeliverySummary["status"];

/** docs/delivery.md, Delivery statuses: the platform's own list, in its order. */
const STATUSES: readonly Status[] = DELIVERY_STATUSES;
const TONES: Partial<Record<Status, string>> = {
  succeeded: "good",
  failed: "bad",
  retrying: "warn",
  parked: "warn",
};
const PAGE_SIZE = 20;

const statusBadge = (status: Status) => badge(status, TONES[status] ?? "plain");

/** What an attempt got: the status code, or the error kind when no usable answer came. */
export function outcome(attempt: Attempt): string {
  const code = attempt.status_code === null ? "" : `HTTP ${attempt.status_code}`;
  if (!attempt.error) return code || "no answer";
  return code ? `${code} (${attempt.error})` : attempt.error;
}

const excerpt = (body: string) => h("pre", { class: "excerpt" }, body === "" ? "(empty)" : body);

/** One attempt in a sentence, and the start of the receiver's answer. */
export const attemptSummary = (attempt: Attempt): Child => [
  h("p", null, `Attempt ${attempt.number}: ${outcome(attempt)} in ${attempt.duration_ms} ms.`),
  h("p", { class: "hint" }, "Response"),
  excerpt(attempt.response_body),
];

/** Filter and page, kept per endpoint while the tab lives: Back from a delivery finds them as left. */
interface LogState {
  readonly statuses: Set<Status>;
  /** The cursor of each page read so far; the first page has none. */
  cursors: (string | undefined)[];
}
const logStates = new Map<string, LogState>();

export function deliveryLog(ctx: ViewContext, webhookId: string) {
  const state = logStates.get(webhookId) ?? { statuses: new Set<Status>(), cursors: [undefined] };
  logStates.set(webhookId, state);
  const title = heading("h2", "Delivery log", "log-title");
  const body = h("div");
  const position = h("span", { class: "hint" });
  let nextCursor: string | null = null;
  let loads = 0;

  const turn = (cursors: (string | undefined)[]) => {
    state.cursors = cursors;
    void refresh();
  };
  const newer = h(
    "button",
    { type: "button", class: "secondary", on: { click: () => turn(state.cursors.slice(0, -1)) } },
    "Newer",
  );
  const older = h(
    "button",
    {
      type: "button",
      class: "secondary",
      on: { click: () => nextCursor && turn([...state.cursors, nextCursor]) },
    },
    "Next page",
  );
  const boxes = STATUSES.map((status) =>
    h(
      "label",
      { class: "choice" },
      h("input", {
        type: "checkbox",
        value: status,
        checked: state.statuses.has(status),
        on: {
          change: (event) => {
            if ((event.target as HTMLInputElement).checked) state.statuses.add(status);
            else state.statuses.delete(status);
            turn([undefined]);
          },
        },
      }),
      status,
    ),
  );

  /** Reads the page the state names; a refusal is said when the log is on the page, and answered. */
  async function refresh(): Promise<Refusal | undefined> {
    const load = ++loads;
    const cursor = state.cursors.at(-1);
    body.setAttribute("aria-busy", "true");
    const answer = await ctx.api.call(
      ctx.api.client.GET("/v1/webhooks/{id}/deliveries", {
        params: {
          path: { id: webhookId },
          query: {
            limit: PAGE_SIZE,
            ...(state.statuses.size > 0
              ? { status: STATUSES.filter((s) => state.statuses.has(s)).join(",") }
              : {}),
            ...(cursor ? { cursor } : {}),
          },
        },
      }),
    );
    if (!ctx.live() || load !== loads) return undefined;
    body.removeAttribute("aria-busy");
    if (!answer.ok) {
      show(body, h("p", null, "The delivery log could not be loaded."));
      if (element.isConnected) say(answer.refusal);
      return answer.refusal;
    }
    const { data, pagination } = answer.value;
    nextCursor = pagination.next_cursor;
    const rows = data.map((d) => [
      h("a", { href: href.delivery(webhookId, d.id) }, h("code", null, d.id)),
      d.event_type,
      statusBadge(d.status),
      d.attempt_count,
      when(d.next_attempt_at),
      when(d.created_at),
    ]);
    show(
      body,
      data.length === 0
        ? h("p", null, nextCursor ? "None on this page; older deliveries follow." : "No deliveries.")
        : table(
            "Deliveries",
            ["Delivery", "Event type", "Status", "Attempts", "Next attempt", "Created"],
            rows,
          ),
    );
    show(position, `Page ${state.cursors.length}`);
    const hadFocus = document.activeElement;
    newer.disabled = state.cursors.length === 1;
    older.disabled = nextCursor === null;
    // A paging button that just went disabled drops the focus: give it to the log's heading.
    if ((hadFocus === newer && newer.disabled) || (hadFocus === older && older.disabled)) title.focus();
    return undefined;
  }

  const element = h(
    "section",
    { class: "card", "aria-labelledby": "log-title" },
    title,
    h(
      "div",
      { class: "toolbar" },
      h("fieldset", { class: "statuses" }, h("legend", null, "Status"), boxes),
      actionButton("Refresh", async () => void (await refresh())),
    ),
    body,
    h("div", { class: "toolbar" }, newer, older, position),
  );
  return { element, refresh };
}

function attemptsTable(delivery: Delivery): Child {
  if (delivery.attempts.length === 0) return h("p", null, "No attempt yet.");
  return table(
    "Attempts",
    ["Attempt", "Started", "Result", "Duration", "Response"],
    delivery.attempts.map((a) => [
      a.number,
      when(a.attempted_at),
      outcome(a),
      `${a.duration_ms} ms`,
      excerpt(a.response_body),
    ]),
  );
}

export async function deliveryView(ctx: ViewContext, webhookId: string, deliveryId: string): Promise<void> {
  const found = await ctx.api.call(
    ctx.api.client.GET("/v1/webhooks/{id}/deliveries/{delivery_id}", {
      params: { path: { id: webhookId, delivery_id: deliveryId } },
    }),
  );
  if (!ctx.live()) return;
  if (!found.ok) return failedView("Delivery", found.refusal, href.endpoint(webhookId));
  const details = h("div");
  const render = (delivery: Delivery) =>
    show(
      details,
      facts([
        ["Status", statusBadge(delivery.status)],
        ["Event type", delivery.event_type],
        ["Event id", h("code", null, delivery.event_id)],
        ["Attempts", String(delivery.attempt_count)],
        ["Next attempt", when(delivery.next_attempt_at)],
        ["Created", when(delivery.created_at)],
        ["Updated", when(delivery.updated_at)],
      ]),
      h("h2", null, "Attempts"),
      attemptsTable(delivery),
    );
  const retry = actionButton(
    "Retry now",
    async () => {
      const sent = await ctx.api.call(
        ctx.api.client.POST("/v1/webhooks/{id}/deliveries/{delivery_id}/retry", {
          params: { path: { id: webhookId, delivery_id: deliveryId } },
        }),
      );
      if (!ctx.live()) return;
      if (!sent.ok) return say(sent.refusal);
      render(sent.value.data);
      const last = sent.value.data.attempts.at(-1);
      notify(last ? `Attempt ${last.number} made: ${outcome(last)}.` : "Retried.");
    },
    "primary",
  );
  render(found.value.data);
  showView(
    heading("h1", `Delivery ${deliveryId}`),
    h("p", null, h("a", { href: href.endpoint(webhookId) }, "Back to the endpoint")),
    h("section", { class: "card", "aria-label": "Delivery" }, h("div", { class: "toolbar" }, retry), details),
  );
}
