/**
 * @module What the portal's journey tests share: the portal opened already signed in (a tenant's
 * API key handed over in the fragment, as a portal session is), the pages closed after each test,
 * and the checks every test ends with.
 */
import { expect } from "vitest";
import { afterEach } from "vitest";
import type { Browser, Page } from "playwright-core";
import { type OpenPortalOptions, openPortal, type PortalPage } from "../support/browser";
import { platform, type TestTenant } from "../support/platform";

/** Where the portal keeps its token (portal/src/session.ts). */
export const STORAGE_KEY = "hookline.portal.token";
export const SESSION_EXPIRED = "Your session has expired or was revoked; sign in again";

/** Opens portals for the tests of a describe, and closes them after each. */
export function portalPages(browser: () => Browser) {
  const opened: PortalPage[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((portal) => portal.close()));
  });
  return {
    async open(options?: OpenPortalOptions): Promise<PortalPage> {
      const portal = await openPortal(browser(), platform().ApiUrl, options);
      opened.push(portal);
      return portal;
    },
    /**
     * Signed in as `tenant` at `route` (`/endpoints/<id>`, or the list): its key is handed over in
     * the fragment, as an operator's portal session link does.
     */
    async signedIn(tenant: TestTenant, route = "", options: OpenPortalOptions = {}): Promise<PortalPage> {
      const session = `session=${encodeURIComponent(tenant.key)}`;
      return this.open({ ...options, hash: route ? `#${route}&${session}` : `#${session}` });
    },
  };
}

/** Nothing went wrong in the page: no uncaught error, CSP refusal or console error. */
export function expectNoPageProblems(portal: PortalPage): void {
  expect(portal.problems).toMatchObject({ pageErrors: [], cspViolations: [], consoleErrors: [] });
}

/** The page does not scroll sideways at `width`: wide content scrolls inside its own box. */
export async function expectFits(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 800 });
  const [documentWidth, bodyWidth, innerWidth] = (await page.evaluate(
    "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]",
  )) as number[];
  expect(innerWidth).toBe(width);
  // What sticks out, to name in the failure: elements whose right edge is past the window's.
  const outside = await page.evaluate(`[...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > ${width} + 0.5 && !el.closest(".table-scroll, .excerpt"))
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + " " + Math.round(el.getBoundingClientRect().right))
    .slice(0, 5)`);
  expect(
    documentWidth,
    `the page is ${documentWidth} px wide at ${width} px: ${String(outside)}`,
  ).toBeLessThanOrEqual(width);
  expect(bodyWidth).toBeLessThanOrEqual(width);
}

/** No request carried the token in its address, and none had a query naming a credential. */
export function expectNoTokenInUrls(portal: PortalPage, token: string): void {
  expect(portal.requestedUrls.length).toBeGreaterThan(0);
  for (const url of portal.requestedUrls) {
    expect(url).not.toContain(token);
    expect(url).not.toContain(encodeURIComponent(token));
    expect(new URL(url).search).not.toMatch(/key|token|session|authorization/i);
  }
}
