import { describe, expect, it } from "vitest";
import { lintMessages } from "../support/lint";

/**
 * The lint rule that keeps the portal from parsing HTML (eslint.config.js): everything it shows
 * goes through portal/src/dom.ts as text, so markup from the API cannot become elements.
 */
const refusals = (code: string, file = "portal/src/probe.ts") =>
  lintMessages(file, code, ["no-restricted-properties", "no-restricted-syntax"]);

describe("the portal's no-HTML lint rule", () => {
  it.each([
    ["innerHTML", "export const f = (el: Element, s: string) => { el.innerHTML = s; };"],
    ["outerHTML", "export const f = (el: Element, s: string) => { el.outerHTML = s; };"],
    [
      "insertAdjacentHTML",
      'export const f = (el: Element, s: string) => el.insertAdjacentHTML("beforeend", s);',
    ],
    ["document.write", "export const f = (s: string) => document.write(s);"],
    ["window.document.writeln", "export const f = (s: string) => window.document.writeln(s);"],
    ["a computed innerHTML", 'export const f = (el: Element, s: string) => { el["innerHTML"] = s; };'],
    ["createContextualFragment", "export const f = (r: Range, s: string) => r.createContextualFragment(s);"],
  ])("refuses %s in portal/src", async (_, code) => {
    expect(await refusals(code)).toEqual([expect.stringContaining("build elements with h()")]);
  });

  it("allows text and the dom.ts helpers", async () => {
    expect(
      await refusals(
        'import { h } from "./dom";\nexport const f = (el: Element, s: string) => { el.textContent = s; el.append(h("p", null, s)); };',
      ),
    ).toEqual([]);
  });
});
