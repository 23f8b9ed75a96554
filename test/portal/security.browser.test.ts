import { afterAll, expect, it } from "vitest";
import { describeInBrowser, type PortalPage, withBrowser } from "../support/browser";
import { adminApi, newTenant } from "../support/platform";
import { receiverPool } from "../support/receiver";
import {
  expectNoPageProblems,
  expectNoTokenInUrls,
  portalPages,
  SESSION_EXPIRED,
  STORAGE_KEY,
} from "./portal-session";

/** What an attacker puts wherever the portal shows text: markup that runs if it is ever parsed. */
const HOSTILE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>`;

const receivers = receiverPool();
afterAll(receivers.closeAll);

/** The hostile text is on screen as text, and nothing of it became an element or ran. */
async function expectShownAsText({ page }: PortalPage, where: string): Promise<void> {
  await page.getByText(HOSTILE).first().waitFor();
  const seen = (await page.evaluate(`({
    pwned: window.__pwned,
    images: document.querySelectorAll("img").length,
    scripts: [...document.scripts].map((s) => s.src.replace(location.origin, "")),
  })`)) as { pwned: unknown; images: number; scripts: string[] };
  expect(seen, where).toEqual({ pwned: undefined, images: 0, scripts: ["/portal/app.js"] });
}

describeInBrowser("the portal's defences against bad input and lost sessions, in Chromium", () => {
  const pages = portalPages(withBrowser());

  it("shows markup in names, descriptions, headers and receivers' answers as text, on every screen", async () => {
    // Prepare: a receiver that answers the markup, as HTML
    const receiver = await receivers.start(() => ({
      status: 200,
      headers: { "content-type": "text/html" },
      body: HOSTILE,
    }));
    const tenant = await newTenant("portal-hostile");
    const portal = await pages.signedIn(tenant);
    const { page } = portal;

    // Act: create the endpoint through the form, the markup in its name, description and a header
    await page.getByRole("link", { name: "New endpoint" }).click();
    await page.getByLabel("Name", { exact: true }).fill(HOSTILE);
    await page.getByLabel("URL", { exact: true }).fill(`${receiver.url}/hooks`);
    await page.getByLabel("crm.lead.created").check();
    await page.getByLabel("Description").fill(HOSTILE);
    await page.getByLabel("Headers").fill(`X-Payload: ${HOSTILE}`);
    await page.getByRole("button", { name: "Create endpoint" }).click();
    await page.getByRole("heading", { name: "Endpoint created: save its signing secret" }).waitFor();

    // Assess: the endpoint's page
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(HOSTILE);
    await page.getByText(`X-Payload: ${HOSTILE}`).waitFor();
    expect(await page.getByRole("definition").filter({ hasText: HOSTILE }).count()).toBe(2);
    await expectShownAsText(portal, "the endpoint's page");

    // Act and assess: a test, whose attempt shows the receiver's answer
    await page.getByRole("button", { name: "Send test" }).click();
    const result = page.getByRole("region", { name: "Send a test event" });
    await result.getByText(/^Attempt 1: HTTP 200/).waitFor();
    expect(await result.locator("pre").textContent()).toBe(HOSTILE);
    await expectShownAsText(portal, "the test's attempt");

    // The delivery, with the answer in its attempts
    await result.getByRole("link", { name: /^Open msg_/ }).click();
    await page.getByRole("heading", { level: 1, name: /^Delivery msg_/ }).waitFor();
    expect(await page.getByRole("region", { name: "Attempts" }).locator("pre").textContent()).toBe(HOSTILE);
    await expectShownAsText(portal, "the delivery");

    // The list
    await page.getByRole("navigation", { name: "Portal" }).getByRole("link", { name: "Endpoints" }).click();
    await page.getByText("You have 1 endpoint.").waitFor();
    expect(await page.getByRole("link", { name: HOSTILE }).count()).toBe(1);
    await expectShownAsText(portal, "the list");

    // The edit form, and the delete dialog
    await page.getByRole("link", { name: HOSTILE }).click();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByRole("heading", { name: `Edit ${HOSTILE}` }).waitFor();
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe(HOSTILE);
    expect(await page.getByLabel("Description").inputValue()).toBe(HOSTILE);
    expect(await page.getByLabel("Headers").inputValue()).toBe(`X-Payload: ${HOSTILE}`);
    await expectShownAsText(portal, "the edit form");
    await page.getByRole("link", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByText(HOSTILE).waitFor();
    await expectShownAsText(portal, "the delete dialog");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    // Nothing ran or was refused, and no address carried the key.
    expect(receiver.requests.map((r) => r.headers["x-payload"])).toEqual([HOSTILE, HOSTILE]);
    expectNoTokenInUrls(portal, tenant.key);
    expect(portal.problems).toEqual({
      pageErrors: [],
      cspViolations: [],
      consoleErrors: [],
      failedResponses: [],
    });
  });

  it("sends a revoked portal session back to sign-in, saying so, and sends the token in no address", async () => {
    // Prepare: a session the operator issued, opened as its link opens it
    const tenant = await newTenant("portal-revoked");
    const issued = await adminApi().request("POST", `/tenants/${tenant.tenantId}/portal-sessions`, {});
    expect(issued.status).toBe(201);
    const { url, session_id: sessionId } = issued.json.data as { url: string; session_id: string };
    const token = decodeURIComponent(new URL(url).hash.replace(/^#session=/, ""));
    const portal = await pages.open({ hash: new URL(url).hash });
    const { page } = portal;
    await page.getByText("You have no endpoints yet.").waitFor();
    expect(await page.evaluate(`sessionStorage.getItem(${JSON.stringify(STORAGE_KEY)})`)).toBe(token);

    // Act: the operator ends it; the reader keeps using the page
    const revoked = await adminApi().request(
      "DELETE",
      `/tenants/${tenant.tenantId}/portal-sessions/${sessionId}`,
    );
    expect(revoked.status).toBe(200);
    const alert = page.getByRole("alert");
    // The authorizer's cached answer lasts a second in the test run: the list is reloaded until the 401.
    let active = false;
    await expect
      .poll(async () => {
        if (await page.getByLabel("API key").isVisible()) return alert.textContent();
        active = !active;
        // The filter may be gone already, when the previous load's 401 has just come back.
        await page
          .getByLabel("Show")
          .selectOption(active ? "true" : "", { timeout: 2_000 })
          .catch(() => {});
        return alert.textContent();
      })
      .toBe(SESSION_EXPIRED);

    // Assess: signed out, the token forgotten, never in an address
    expect(await page.getByLabel("API key").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    expect(await page.evaluate(`sessionStorage.getItem(${JSON.stringify(STORAGE_KEY)})`)).toBeNull();
    expect(portal.problems.failedResponses.length).toBeGreaterThan(0);
    expect(portal.problems.failedResponses.every((line) => line.startsWith("401 GET "))).toBe(true);
    expectNoTokenInUrls(portal, token);
    expectNoPageProblems(portal);
  });
});
