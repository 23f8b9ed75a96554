/**
 * @module The pieces every view is made of: the alert area (errors, announced at once) and the
 * notice area (what an action did), headings that take the focus, labelled fields with their own
 * error line, tables that scroll inside their box, the once-shown secret and the confirm dialog.
 * Everything goes through h(), so whatever the API answered is text.
 */
import type { FieldError, Refusal } from "./api";
import { type Child, h, show } from "./dom";

export const alertArea = h("div", { class: "status", role: "alert" });
export const noticeArea = h("div", { class: "notice", role: "status" });
export const mainArea = h("main", { id: "main", class: "page" });

/** Shows a view in the main area and moves the focus to its heading. */
export function showView(title: HTMLHeadingElement, ...content: Child[]): void {
  show(mainArea, title, ...content);
  title.focus();
}

/**
 * Shows `message` in the alert area (none clears it): a refusal's message with its field details,
 * or only `details` when a form has shown the others next to their fields.
 */
export function say(message?: string | Refusal, details?: readonly FieldError[]): void {
  show(noticeArea);
  if (message === undefined || typeof message === "string") return show(alertArea, message ?? "");
  const rest = details ?? message.details;
  show(
    alertArea,
    message.message,
    rest.length > 0 &&
      h(
        "ul",
        null,
        rest.map((d) => h("li", null, `${d.field}: ${d.message}`)),
      ),
  );
}

/** A polite line saying what an action did; clears the alert. */
export function notify(text: string): void {
  show(alertArea);
  show(noticeArea, text);
}

/** A heading that can take the focus, so focus moves to new content. */
export const heading = (level: "h1" | "h2", text: Child, id?: string) =>
  h(level, { tabindex: "-1", id }, text);

export interface Field<C extends HTMLElement> {
  readonly element: HTMLElement;
  readonly control: C;
  /** Shows `message` under the field and marks the control invalid; none clears it. */
  setError(message?: string): void;
}

/** `control` with its label, an optional hint and an error line, tied by ids for screen readers. */
export function field<C extends HTMLElement>(id: string, label: string, control: C, hint?: string): Field<C> {
  control.id = id;
  const error = h("p", { id: `${id}-error`, class: "field-error" });
  const hintLine = hint ? h("p", { id: `${id}-hint`, class: "hint" }, hint) : null;
  control.setAttribute("aria-describedby", hintLine ? `${id}-hint ${id}-error` : `${id}-error`);
  return {
    element: h("div", { class: "field" }, h("label", { for: id }, label), hintLine, control, error),
    control,
    setError(message) {
      show(error, message ?? "");
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  };
}

/** A view that could not be shown: its heading, a way back, and the API's refusal in the alert. */
export function failedView(title: string, refusal: Refusal, back = "#/"): void {
  showView(
    heading("h1", title),
    h("p", null, "This could not be loaded. ", h("a", { href: back }, "Back to the endpoints")),
  );
  say(refusal);
}

/** A moment as the reader's local time, or a dash for none. */
export function when(iso: string | null | undefined): Child {
  if (!iso) return "—";
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
  return h("time", { datetime: iso }, text);
}

/**
 * A table in a box that scrolls sideways by itself (and by keyboard), never the page. Its rows
 * are cards on a phone; the explicit roles keep it a table for screen readers then too.
 */
export function table(caption: string, headers: readonly string[], rows: readonly Child[][]): HTMLElement {
  return h(
    "div",
    { class: "table-scroll", role: "region", "aria-label": caption, tabindex: "0" },
    h(
      "table",
      { class: "stack", role: "table" },
      h("caption", { class: "visually-hidden" }, caption),
      h(
        "thead",
        { role: "rowgroup" },
        h(
          "tr",
          { role: "row" },
          headers.map((text) => h("th", { scope: "col", role: "columnheader" }, text)),
        ),
      ),
      h(
        "tbody",
        { role: "rowgroup" },
        rows.map((cells) =>
          h(
            "tr",
            { role: "row" },
            cells.map((cell, i) => h("td", { role: "cell", "data-label": headers[i] }, cell)),
          ),
        ),
      ),
    ),
  );
}

/** A list of labelled values. */
export const facts = (pairs: readonly (readonly [string, Child])[]) =>
  h(
    "dl",
    { class: "facts" },
    pairs.map(([term, value]) => h("div", null, h("dt", null, term), h("dd", null, value))),
  );

export const badge = (text: string, tone: string) => h("span", { class: `badge ${tone}` }, text);

/**
 * Runs `run` once at a time for `control`, marked busy meanwhile, after clearing the last
 * action's message. aria-disabled rather than disabled: a disabled button would drop the focus.
 */
export function once(control: HTMLElement, run: () => Promise<void>): void {
  if (control.getAttribute("aria-disabled") === "true") return;
  control.setAttribute("aria-disabled", "true");
  say();
  void run().finally(() => control.removeAttribute("aria-disabled"));
}

/** A button that runs `action` once at a time. */
export function actionButton(label: string, action: () => Promise<void>, className = "secondary") {
  const button: HTMLButtonElement = h(
    "button",
    { type: "button", class: className, on: { click: () => once(button, action) } },
    label,
  );
  return button;
}

/** A secret the API just answered, for the next view of its endpoint to show: in memory, once. */
let revealed: { readonly id: string; readonly title: string; readonly secret: string } | undefined;

export function revealSecret(id: string, title: string, secret: string): void {
  revealed = { id, title, secret };
}

/** The panel of the secret revealed for endpoint `id`, and the secret forgotten; else null. */
export function takeSecret(id: string): HTMLElement | null {
  const secret = revealed?.id === id ? revealed : undefined;
  revealed = undefined;
  return secret ? secretPanel(secret.title, secret.secret) : null;
}

/** The signing secret, shown this once, with a button that copies it. */
function secretPanel(title: string, secret: string): HTMLElement {
  const titleElement = heading("h2", title, "secret-title");
  const copy = h(
    "button",
    {
      type: "button",
      class: "primary",
      on: {
        click: () => {
          navigator.clipboard.writeText(secret).then(
            () => notify("The secret is copied to the clipboard."),
            () => say("The secret could not be copied here; select it and copy it yourself."),
          );
        },
      },
    },
    "Copy secret",
  );
  const panel = h(
    "section",
    { class: "secret", "aria-labelledby": "secret-title" },
    titleElement,
    h(
      "p",
      null,
      "Receivers verify signatures with it. It is shown only now: store it before leaving this page.",
    ),
    h("code", { class: "secret-value" }, secret),
    h("div", { class: "form-actions" }, copy),
  );
  return panel;
}

export interface ConfirmOptions {
  readonly title: string;
  readonly text: Child;
  readonly confirm: string;
  /** Runs on confirmation; the dialog stays open, its buttons disabled, until it settles. */
  readonly onConfirm: () => Promise<void>;
}

/** A modal dialog asking to confirm; Escape and Cancel close it and give the focus back. */
export function confirmDialog(options: ConfirmOptions): void {
  const opener = document.activeElement as HTMLElement | null;
  const cancel = h(
    "button",
    { type: "button", class: "secondary", on: { click: () => dialog.close() } },
    "Cancel",
  );
  const confirm = h(
    "button",
    {
      type: "button",
      class: "danger",
      on: {
        click: () => {
          confirm.disabled = cancel.disabled = true;
          void options.onConfirm().finally(() => dialog.close());
        },
      },
    },
    options.confirm,
  );
  const dialog: HTMLDialogElement = h(
    "dialog",
    { "aria-labelledby": "dialog-title", on: { close: () => (dialog.remove(), opener?.focus()) } },
    h("h2", { id: "dialog-title" }, options.title),
    h("p", null, options.text),
    h("div", { class: "form-actions" }, confirm, cancel),
  );
  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
}
