import { afterEach, expect, it } from "vitest";
import {
  describeInBrowser,
  type OpenPortalOptions,
  openPortal,
  type PortalPage,
  withBrowser,
} from "../support/browser";
import { apiClient, newTenant, platform, type TestTenant } from "../support/platform";

/** Where the portal keeps its token (portal/src/session.ts). */
const STORAGE_KEY = "hookline.portal.token";
const SESSION_EXPIRED = "Your session has expired or was revoked; sign in again";

/** A fresh tenant with `count` endpoints (not verified: no receiver needed). */
async function tenantWithEndpoints(count: number): Promise<TestTenant> {
  const tenant = await newTenant("portal");
  for (let i = 0; i < count; i++) {
    const res = await tenant.api("POST", "/v1/webhooks", {
      body: {
        name: `Hook ${i}`,
        url: `http://127.0.0.1:9/hooks/${i}`,
        events: ["crm.lead.created"],
        verify: false,
      },
    });
    expect(res.status).toBe(201);
  }
  return tenant;
}

const noProblems = { pageErrors: [], cspViolations: [], consoleErrors: [], failedResponses: [] };

describeInBrowser("signing in to the portal, in Chromium", () => {
  const browser = withBrowser();
  const opened: PortalPage[] = [];
  const open = async (options?: OpenPortalOptions) => {
    const portal = await openPortal(browser(), platform().ApiUrl, options);
    opened.push(portal);
    return portal;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((portal) => portal.close()));
  });

  const stored = (portal: PortalPage) =>
    portal.page.evaluate(`sessionStorage.getItem(${JSON.stringify(STORAGE_KEY)})`);

  async function signIn({ page }: PortalPage, key: string): Promise<void> {
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  it("signs in with an API key and shows how many endpoints the tenant has", async () => {
    // Prepare
    const tenant = await tenantWithEndpoints(2);
    const portal = await open();

    // Act
    await signIn(portal, tenant.key);

    // Assess
    const { page } = portal;
    await page.getByText("You have 2 endpoints.").waitFor();
    expect(await page.getByRole("heading", { name: "Endpoints" }).isVisible()).toBe(true);
    expect(
      await page.getByRole("navigation", { name: "Portal" }).getByRole("link").allTextContents(),
    ).toEqual(["Endpoints"]);
    expect(await page.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
    expect(await stored(portal)).toBe(tenant.key);
    expect(portal.problems).toEqual(noProblems);
  });

  it("keeps a wrong key on the sign-in screen, showing the API's own 401 message", async () => {
    // Prepare: what the API itself answers to that key
    const wrongKey = "hk_live_not-a-key-of-anyone";
    const answer = await apiClient(wrongKey)("GET", "/v1/webhooks");
    expect(answer.status).toBe(401);
    const portal = await open();

    // Act
    await signIn(portal, wrongKey);

    // Assess
    const { page } = portal;
    const alert = page.getByRole("alert");
    await alert.getByText(answer.json.error.message).waitFor();
    expect(await alert.textContent()).toBe(answer.json.error.message);
    expect(await page.getByLabel("API key").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    expect(await stored(portal)).toBeNull();
    expect(portal.problems).toEqual({
      ...noProblems,
      failedResponses: [`401 GET ${platform().ApiUrl}/v1/webhooks?limit=100`],
    });
  });

  it("signs in with a session in the fragment, takes it out of the address and keeps it in sessionStorage only", async () => {
    // Prepare: the fragment's token is opaque to the portal; an API key stands in for a portal session
    const tenant = await tenantWithEndpoints(1);

    // Act
    const portal = await open({ hash: `#session=${encodeURIComponent(tenant.key)}` });
    await portal.page.getByText("You have 1 endpoint.").waitFor();

    // Assess
    const { page } = portal;
    expect(page.url()).toBe(`${platform().ApiUrl}/portal`);
    expect(await page.evaluate("location.href")).toBe(`${platform().ApiUrl}/portal`);
    expect(await stored(portal)).toBe(tenant.key);
    expect(await page.evaluate("[localStorage.length, document.cookie]")).toEqual([0, ""]);
    expect((await portal.context.cookies()).length).toBe(0);

    // A reload stays signed in, from sessionStorage, and no URL ever carries the token.
    await page.reload();
    await page.getByText("You have 1 endpoint.").waitFor();
    expect(portal.requestedUrls).toContain(`${platform().ApiUrl}/v1/webhooks?limit=100`);
    for (const url of portal.requestedUrls) expect(url).not.toContain(tenant.key.slice(0, 20));
    expect(portal.problems).toEqual(noProblems);
  });

  it("sends a session the API refuses back to sign-in, saying it expired or was revoked", async () => {
    // Act
    const portal = await open({ hash: "#session=hk_live_revoked-or-expired" });

    // Assess
    const { page } = portal;
    await page.getByRole("alert").getByText(SESSION_EXPIRED).waitFor();
    expect(await page.getByLabel("API key").isVisible()).toBe(true);
    expect(await stored(portal)).toBeNull();
    expect(page.url()).toBe(`${platform().ApiUrl}/portal`);
    expect(portal.problems.failedResponses).toEqual([`401 GET ${platform().ApiUrl}/v1/webhooks?limit=100`]);
    expect(portal.problems).toMatchObject({ pageErrors: [], cspViolations: [], consoleErrors: [] });
  });

  it("signs in and out with the keyboard alone, with a visible focus outline", async () => {
    // Prepare
    const tenant = await tenantWithEndpoints(0);
    const portal = await open();
    const { page } = portal;
    /** The focused element's id (or else its text) and its outline style. */
    const focused = () =>
      page.evaluate(
        "[document.activeElement.id || document.activeElement.textContent, getComputedStyle(document.activeElement).outlineStyle]",
      ) as Promise<[string, string]>;

    // Act: the key input has the focus on arrival; Enter submits
    expect((await focused())[0]).toBe("api-key");
    await page.keyboard.type(tenant.key);
    await page.keyboard.press("Enter");
    await page.getByText("You have no endpoints yet.").waitFor();
    await page.keyboard.press("Shift+Tab");
    const [onButton, outline] = await focused();
    await page.keyboard.press("Enter");

    // Assess
    expect([onButton, outline]).toEqual(["Sign out", "solid"]);
    await page.getByLabel("API key").waitFor();
    expect((await focused())[0]).toBe("api-key");
    expect(await stored(portal)).toBeNull();
    expect(portal.problems).toEqual(noProblems);
  });

  it.each([360, 1440])(
    "fits a %i px wide screen without scrolling sideways, signed out and in",
    async (width) => {
      // Prepare
      const tenant = await tenantWithEndpoints(1);
      const portal = await open({ viewport: { width, height: 800 } });
      const overflow = () =>
        portal.page.evaluate(
          "[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]",
        );

      // Act and assess
      const [signedOutWidth, innerWidth] = (await overflow()) as number[];
      expect(innerWidth).toBe(width);
      expect(signedOutWidth).toBeLessThanOrEqual(width);
      await signIn(portal, tenant.key);
      await portal.page.getByText("You have 1 endpoint.").waitFor();
      const [signedInWidth, , bodyWidth] = (await overflow()) as number[];
      expect(signedInWidth).toBeLessThanOrEqual(width);
      expect(bodyWidth).toBeLessThanOrEqual(width);
      expect(portal.problems).toEqual(noProblems);
    },
  );
});
