/**
 * @module Real-browser tests: Debian's Chromium driven by playwright-core (never the `playwright`
 * package, which downloads a browser of its own). Where no Chromium binary exists the browser
 * tests skip and say why. Every page opened here records what went wrong in it (uncaught errors,
 * Content-Security-Policy violations, console errors, failed responses), so a test can assert
 * that nothing did.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why the browser tests cannot run on this machine, or undefined when they can. */
const browserUnavailable: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`;

/** `describe` for tests that need the browser: skipped, printing the reason, when there is none. */
export function describeInBrowser(name: string, tests: () => void): void {
  if (browserUnavailable) console.warn(`skipping the browser tests "${name}": ${browserUnavailable}`);
  describe.skipIf(browserUnavailable !== undefined)(name, tests);
}

/** One Chromium for the tests of the enclosing describe, launched before them and closed after. */
export function withBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    // As root (CI containers) Chromium runs only without its sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser)
      throw new Error("no browser yet: call withBrowser() in a describe, and use it in its tests");
    return browser;
  };
}

/** What went wrong in a page; every list empty when nothing did. */
export interface PageProblems {
  /** Uncaught exceptions and unhandled rejections. */
  readonly pageErrors: string[];
  /** What the CSP blocked: the page's `securitypolicyviolation` events and console lines. */
  readonly cspViolations: string[];
  /** Other console errors; a failed response's own console line is left to `failedResponses`. */
  readonly consoleErrors: string[];
  /** Responses of 400 or more: `"401 GET http://.../v1/webhooks"`. */
  readonly failedResponses: string[];
}

export interface PortalPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: PageProblems;
  /** Every URL the page requested, from its first navigation on. */
  readonly requestedUrls: string[];
  close(): Promise<void>;
}

export interface OpenPortalOptions {
  /** @default 1280 x 800 */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Appended to the page's address, e.g. `#session=<token>`. */
  readonly hash?: string;
}

// Runs in the page before its own script, out of reach of its CSP (the browser injects it).
const REPORT_CSP_VIOLATIONS = `document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(event.effectiveDirective + " refused " + event.blockedURI);
});`;

/**
 * The portal (`<baseUrl>/portal`) in a fresh browser context: no storage, cookies or cache shared
 * with other tests.
 */
export async function openPortal(
  browser: Browser,
  baseUrl: string,
  options: OpenPortalOptions = {},
): Promise<PortalPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const problems: PageProblems = {
    pageErrors: [],
    cspViolations: [],
    consoleErrors: [],
    failedResponses: [],
  };
  await context.exposeBinding("__cspViolation", (_source, violation: string) => {
    problems.cspViolations.push(violation);
  });
  await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (/Content Security Policy/i.test(text)) problems.cspViolations.push(text);
    else if (!/^Failed to load resource: the server responded with a status of \d+/.test(text)) {
      problems.consoleErrors.push(text);
    }
  });
  const requestedUrls: string[] = [];
  page.on("request", (request) => requestedUrls.push(request.url()));
  page.on("response", (response) => {
    if (response.status() >= 400) {
      problems.failedResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  await page.goto(`${baseUrl}/portal${options.hash ?? ""}`);
  return { page, context, problems, requestedUrls, close: () => context.close() };
}
