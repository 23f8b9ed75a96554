/**
 * @module Creating and editing an endpoint (docs/api.md, Endpoint rules). The API checks every
 * rule; the form only shapes the input and puts each refusal's field messages next to the field
 * they name. An edit sends only what changed, so unchanged events are not checked again.
 */
import type { Endpoint, EventType, FieldError, Refusal, Schemas } from "./api";
import { h, show } from "./dom";
import { href, type ViewContext } from "./routes";
import { failedView, type Field, field, heading, once, revealSecret, say, showView } from "./ui";

type Create = Schemas["CreateEndpointRequest"];
type Update = Schemas["UpdateEndpointRequest"];
type Method = NonNullable<Create["http_method"]>;

const text = (value: string, attributes: Record<string, string> = {}) =>
  h("input", { type: "text", autocomplete: "off", spellcheck: "false", value, ...attributes });

/** A checkbox, its label, and a hint that describes it without being part of its name. */
function choice(box: HTMLInputElement, id: string, label: string, hint: string): HTMLElement {
  box.id = id;
  box.setAttribute("aria-describedby", `${id}-hint`);
  return h(
    "div",
    { class: "choice" },
    box,
    h("div", null, h("label", { for: id }, label), h("p", { id: `${id}-hint`, class: "hint" }, hint)),
  );
}

const headerText = (headers: Record<string, string>) =>
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");

/** `Name: value` lines; a line that is not one is refused here, naming it. */
function parseHeaders(lines: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const [i, line] of lines.split("\n").entries()) {
    if (!line.trim()) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return `line ${i + 1} is not "Name: value"`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The fields of `next` that differ from `current`; `verify` goes only with a new url. */
function changes(current: Endpoint, next: Create): Update {
  const update: Update = {};
  const events = next.events;
  if (next.name !== current.name) update.name = next.name;
  if (next.url !== current.url) Object.assign(update, { url: next.url, verify: next.verify });
  if (next.http_method !== current.http_method) update.http_method = next.http_method;
  if (events.length !== current.events.length || events.some((e) => !current.events.includes(e))) {
    update.events = events;
  }
  if (next.description !== current.description) update.description = next.description ?? null;
  if (headerText(next.headers ?? {}) !== headerText(current.headers)) update.headers = next.headers ?? {};
  if (next.is_active !== current.is_active) update.is_active = next.is_active;
  return update;
}

/** The form's fields for `endpoint` (or a new one), the catalog's types as checkboxes. */
function endpointFields(endpoint: Endpoint | undefined, catalog: readonly EventType[]) {
  const subscribed = endpoint?.events ?? [];
  const known = new Set(catalog.map((t) => t.type));
  const boxes = catalog.map((t) =>
    h("input", { type: "checkbox", value: t.type, checked: subscribed.includes(t.type) }),
  );
  const method: Method = endpoint?.http_method ?? "POST";
  const name = field("endpoint-name", "Name", text(endpoint?.name ?? "", { maxlength: "100" }));
  const url = field(
    "endpoint-url",
    "URL",
    text(endpoint?.url ?? "", { type: "url", placeholder: "https://" }),
  );
  const httpMethod = field(
    "endpoint-method",
    "HTTP method",
    h(
      "select",
      null,
      (["POST", "PUT", "PATCH"] as const).map((m) => h("option", { selected: m === method }, m)),
    ),
  );
  const patterns = field(
    "endpoint-patterns",
    "Other event patterns",
    text(subscribed.filter((e) => !known.has(e)).join(", ")),
    "Comma-separated; wildcards such as crm.* or *",
  );
  const eventsError = h("p", { id: "endpoint-events-error", class: "field-error" });
  const events = h(
    "fieldset",
    { class: "field", "aria-describedby": "endpoint-events-error" },
    h("legend", null, "Events"),
    h(
      "div",
      { class: "choices" },
      catalog.map((t, i) =>
        choice(
          boxes[i] ?? h("input"),
          `event-${i}`,
          t.deprecated ? `${t.type} (deprecated)` : t.type,
          t.description,
        ),
      ),
    ),
    patterns.element,
    eventsError,
  );
  const description = field(
    "endpoint-description",
    "Description",
    h("textarea", { rows: "2", maxlength: "500" }, endpoint?.description ?? ""),
  );
  const headers = field(
    "endpoint-headers",
    "Headers",
    h("textarea", { rows: "3", spellcheck: "false" }, headerText(endpoint?.headers ?? {})),
    "Sent with every delivery, one per line as Name: value",
  );
  const active = h("input", { type: "checkbox", checked: endpoint?.is_active ?? true });
  const verify = h("input", { type: "checkbox", checked: true });

  /** Where a refusal's `details[].field` (its first segment) is shown. */
  const byName: Record<string, Field<HTMLElement>> = {
    name,
    url,
    http_method: httpMethod,
    events: {
      element: events,
      control: boxes[0] ?? patterns.control,
      setError: (m) => show(eventsError, m ?? ""),
    },
    description,
    headers,
  };

  return {
    byName,
    elements: [
      name.element,
      url.element,
      httpMethod.element,
      events,
      description.element,
      headers.element,
      choice(
        active,
        "endpoint-active",
        "Active",
        "A disabled endpoint is sent nothing; its deliveries are recorded as skipped.",
      ),
      choice(
        verify,
        "endpoint-verify",
        "Verify the URL first",
        `A signed webhook.verification POST must get a 2xx within 3 s${endpoint ? " (when the URL changes)" : ""}.`,
      ),
    ],
    /** The values as the API takes them, or a refusal of the form's own. */
    read(): Create | Refusal {
      const parsed = parseHeaders(headers.control.value);
      if (typeof parsed === "string") {
        return {
          status: 0,
          message: "The headers cannot be read.",
          details: [{ field: "headers", message: parsed }],
        };
      }
      const words = patterns.control.value.split(/[\s,]+/).filter(Boolean);
      const about = description.control.value.trim();
      return {
        name: name.control.value,
        url: url.control.value.trim(),
        http_method: httpMethod.control.value as Method,
        events: [...boxes.filter((b) => b.checked).map((b) => b.value), ...words],
        description: about === "" ? null : about,
        headers: parsed,
        is_active: active.checked,
        verify: verify.checked,
      };
    },
  };
}

type Fields = ReturnType<typeof endpointFields>;

/** Each detail next to its field, the rest in the alert; the focus on the first bad field. */
function showRefusal(fields: Fields, refusal: Refusal, sentEvents: readonly string[] = []): void {
  for (const f of Object.values(fields.byName)) f.setError();
  const elsewhere: FieldError[] = [];
  let first: HTMLElement | undefined;
  for (const detail of refusal.details) {
    const [key = "", ...rest] = detail.field.split(".");
    const target = fields.byName[key];
    if (!target) {
      elsewhere.push(detail);
      continue;
    }
    // "events.2" is the third event sent: name it rather than its index.
    const where = key === "events" ? (sentEvents[Number(rest[0])] ?? "") : rest.join(".");
    target.setError(where ? `${where}: ${detail.message}` : detail.message);
    first ??= target.control;
  }
  say(refusal, elsewhere);
  first?.focus();
}

async function formView(ctx: ViewContext, endpoint: Endpoint | undefined): Promise<void> {
  const titleText = endpoint ? `Edit ${endpoint.name}` : "New endpoint";
  const catalog = await ctx.api.call(ctx.api.client.GET("/v1/webhooks/events"));
  if (!ctx.live()) return;
  if (!catalog.ok) return failedView(titleText, catalog.refusal);
  const fields = endpointFields(endpoint, catalog.value.data);
  const submit = h(
    "button",
    { type: "submit", class: "primary" },
    endpoint ? "Save changes" : "Create endpoint",
  );
  const back = endpoint ? href.endpoint(endpoint.id) : href.endpoints;

  async function save(): Promise<void> {
    const values = fields.read();
    if ("details" in values) return showRefusal(fields, values);
    if (!endpoint) {
      const created = await ctx.api.call(ctx.api.client.POST("/v1/webhooks", { body: values }));
      if (!ctx.live()) return;
      if (!created.ok) return showRefusal(fields, created.refusal, values.events);
      const { id, secret_token: secret } = created.value.data;
      revealSecret(id, "Endpoint created: save its signing secret", secret);
      return ctx.go(href.endpoint(id));
    }
    const update = changes(endpoint, values);
    if (Object.keys(update).length === 0) return ctx.go(back, "Nothing changed.");
    const saved = await ctx.api.call(
      ctx.api.client.PUT("/v1/webhooks/{id}", { params: { path: { id: endpoint.id } }, body: update }),
    );
    if (!ctx.live()) return;
    if (!saved.ok) return showRefusal(fields, saved.refusal, update.events);
    ctx.go(back, "Changes saved.");
  }

  const title = heading("h1", titleText, "form-title");
  showView(
    title,
    h(
      "form",
      {
        class: "card",
        novalidate: true,
        "aria-labelledby": "form-title",
        on: {
          submit: (event) => {
            event.preventDefault();
            once(submit, save);
          },
        },
      },
      fields.elements,
      h(
        "div",
        { class: "form-actions" },
        submit,
        h("a", { href: back, class: "button secondary" }, "Cancel"),
      ),
    ),
  );
}

export const createView = (ctx: ViewContext) => formView(ctx, undefined);

export async function editView(ctx: ViewContext, id: string): Promise<void> {
  const found = await ctx.api.call(ctx.api.client.GET("/v1/webhooks/{id}", { params: { path: { id } } }));
  if (!ctx.live()) return;
  if (!found.ok) return failedView("Edit endpoint", found.refusal);
  await formView(ctx, found.value.data);
}
