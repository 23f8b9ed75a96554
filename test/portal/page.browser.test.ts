import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeInBrowser, openPortal, type PortalPage, withBrowser } from "../support/browser";
import { platform } from "../support/platform";

describeInBrowser("the portal page's defences, in Chromium", () => {
  const browser = withBrowser();
  const opened: PortalPage[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((portal) => portal.close()));
  });

  it("refuses inline script and styles, and reports each refusal", async () => {
    // Prepare
    const portal = await openPortal(browser(), platform().ApiUrl);
    opened.push(portal);
    await portal.page.getByLabel("API key").waitFor();

    // Act: what an injected string would try
    await portal.page.evaluate(`{
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.body.append(script);
      const style = document.createElement("style");
      style.textContent = "body { display: none }";
      document.head.append(style);
    }`);
    await expect.poll(() => portal.problems.cspViolations.length).toBeGreaterThanOrEqual(2);

    // Assess
    expect(await portal.page.evaluate("window.injected")).toBeUndefined();
    expect(await portal.page.evaluate("getComputedStyle(document.body).display")).toBe("block");
    expect(portal.problems.cspViolations).toEqual(
      expect.arrayContaining(["script-src-elem refused inline", "style-src-elem refused inline"]),
    );
  });

  describe("portal/src/dom.ts", () => {
    let domScript: string;
    beforeAll(async () => {
      const result = await build({
        entryPoints: [fileURLToPath(new URL("../../portal/src/dom.ts", import.meta.url))],
        bundle: true,
        format: "iife",
        globalName: "dom",
        target: "es2022",
        write: false,
      });
      domScript = result.outputFiles[0]?.text ?? "";
    });

    /** `expression` evaluated in a blank page (no CSP) holding dom.ts as the global `dom`. */
    async function inBlankPage(expression: string): Promise<unknown> {
      const context = await browser().newContext();
      try {
        const page = await context.newPage();
        await page.addScriptTag({ content: domScript });
        return await page.evaluate(expression);
      } finally {
        await context.close();
      }
    }

    it("renders strings as text and attribute values as values, never as markup", async () => {
      const hostile = `"><img src=x onerror="window.pwned = true">`;

      const rendered = await inBlankPage(`(() => {
        const hostile = ${JSON.stringify(hostile)};
        const el = dom.h("p", { title: hostile, "data-n": 7, hidden: false }, hostile, 42, null, [" and ", hostile]);
        document.body.append(el);
        return {
          text: el.textContent,
          title: el.getAttribute("title"),
          attributes: el.getAttributeNames(),
          elements: document.body.querySelectorAll("*").length,
          pwned: window.pwned === true,
        };
      })()`);

      expect(rendered).toEqual({
        text: `${hostile}42 and ${hostile}`,
        title: hostile,
        attributes: ["title", "data-n"],
        elements: 1,
        pwned: false,
      });
    });

    it("refuses inline handlers and script URLs, and adds listeners given under on", async () => {
      const outcome = await inBlankPage(`(() => {
        const refused = (make) => { try { make(); return false; } catch (error) { return error instanceof TypeError; } };
        let clicks = 0;
        const button = dom.h("button", { type: "button", on: { click: () => { clicks += 1; } } }, "Go");
        button.click();
        return {
          onclick: refused(() => dom.h("button", { onclick: "alert(1)" })),
          javascriptHref: refused(() => dom.h("a", { href: " JavaScript:alert(1)" })),
          hiddenJavascriptHref: refused(() => dom.h("a", { href: "\u0001java\tscript:alert(1)" })),
          dataSrc: refused(() => dom.h("img", { src: "data:text/html,<b>x</b>" })),
          httpsHref: refused(() => dom.h("a", { href: "https://example.com/" })),
          clicks,
        };
      })()`);

      expect(outcome).toEqual({
        onclick: true,
        javascriptHref: true,
        hiddenJavascriptHref: true,
        dataSrc: true,
        httpsHref: false,
        clicks: 1,
      });
    });
  });
});
