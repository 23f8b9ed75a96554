import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { firstUlidAt } from "../../lambdas/core/ulid";
import { endpointHealthStore, webhookStore } from "../../lambdas/wiring/clients";
import { describeInBrowser, type PortalPage, withBrowser } from "../support/browser";
import { createEndpoint } from "../support/delivery";
import { newTenant, platform, type TestTenant } from "../support/platform";
import { receiverPool } from "../support/receiver";
import { expectFits, expectNoPageProblems, portalPages } from "./portal-session";

/** Opens `id`'s breaker as the delivery worker would after `failures` failed attempts, its next probe in an hour. */
async function openBreaker(tenant: TestTenant, id: string, failures: number): Promise<string> {
  const stored = async () => {
    const endpoint = await webhookStore().get(tenant.tenantId, id);
    if (!endpoint) throw new Error("the endpoint is stored");
    return endpoint;
  };
  const at = new Date().toISOString();
  for (let i = 0; i < failures; i++) await endpointHealthStore().recordFailure(await stored(), at);
  const nextProbeAt = new Date(Date.now() + 3_600_000).toISOString();
  const opened = await endpointHealthStore().openBreaker(await stored(), {
    openedAt: at,
    nextProbeAt,
    parkedFrom: `msg_${firstUlidAt(Date.now())}`,
  });
  if (!opened) throw new Error("the breaker opens");
  return nextProbeAt;
}

/** The secret the page shows once, after a create or a rotation, and what the copy button put on the clipboard. */
async function shownSecret({ page, context }: PortalPage): Promise<{ shown: string; copied: string }> {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: platform().ApiUrl });
  const shown = (await page.locator(".secret-value").textContent()) ?? "";
  await page.getByRole("button", { name: "Copy secret" }).click();
  await page.getByRole("status").getByText("The secret is copied to the clipboard.").waitFor();
  const copied = (await page.evaluate("navigator.clipboard.readText()")) as string;
  return { shown, copied };
}

const receivers = receiverPool();
afterAll(receivers.closeAll);

describeInBrowser("endpoints in the portal, in Chromium", () => {
  const pages = portalPages(withBrowser());

  describe("the list", () => {
    it("shows every endpoint with its health, and filters the active and the disabled ones", async () => {
      // Prepare: a healthy endpoint, one whose breaker is open, one disabled
      const tenant = await newTenant("portal-list");
      await createEndpoint(tenant, "http://127.0.0.1:9/healthy", { name: "Healthy hook" });
      const open = await createEndpoint(tenant, "http://127.0.0.1:9/open", { name: "Open hook" });
      await createEndpoint(tenant, "http://127.0.0.1:9/off", { name: "Disabled hook", is_active: false });
      const nextProbeAt = await openBreaker(tenant, open.id, 12);

      // Act
      const portal = await pages.signedIn(tenant);
      const { page } = portal;
      const row = (name: string) => page.getByRole("row").filter({ hasText: name });
      await page.getByText("You have 3 endpoints.").waitFor();

      // Assess: each row's health, as the API answers it
      expect(await page.getByRole("columnheader").allTextContents()).toEqual([
        "Name",
        "URL",
        "Status",
        "Health",
        "Failures in a row",
        "Next probe",
      ]);
      const cells = async (name: string) =>
        (await row(name).getByRole("cell").allTextContents()).map((t) => t.trim());
      expect(await cells("Healthy hook")).toEqual([
        "Healthy hook",
        "http://127.0.0.1:9/healthy",
        "Active",
        "healthy",
        "0",
        "—",
      ]);
      expect((await cells("Open hook")).slice(2, 5)).toEqual(["Active", "open", "12"]);
      expect(await row("Open hook").locator("time").getAttribute("datetime")).toBe(nextProbeAt);
      expect((await cells("Disabled hook")).slice(2, 4)).toEqual(["Disabled: manual", "healthy"]);

      // Act and assess: the filter, the focus staying on it
      const filter = page.getByLabel("Show");
      await filter.focus();
      await filter.selectOption({ label: "Disabled" });
      await page.getByText("You have 1 disabled endpoint.").waitFor();
      expect(await page.getByRole("link", { name: /hook$/ }).allTextContents()).toEqual(["Disabled hook"]);
      await filter.selectOption({ label: "Active" });
      await page.getByText("You have 2 active endpoints.").waitFor();
      expect((await page.getByRole("link", { name: /hook$/ }).allTextContents()).sort()).toEqual([
        "Healthy hook",
        "Open hook",
      ]);
      expect(await page.evaluate("document.activeElement.id")).toBe("endpoint-filter");

      // Act and assess: an endpoint opened from the list takes the focus to its heading; Back keeps the filter
      await page.getByRole("link", { name: "Open hook" }).click();
      await page.getByRole("heading", { level: 1, name: "Open hook" }).waitFor();
      expect(await page.evaluate("document.activeElement.textContent")).toBe("Open hook");
      await page.goBack();
      await page.getByText("You have 2 active endpoints.").waitFor();
      expect(await filter.inputValue()).toBe("true");

      // The table scrolls inside its box on a phone, never the page.
      await expectFits(page, 360);
      await expectFits(page, 1440);
      expectNoPageProblems(portal);
      expect(portal.problems.failedResponses).toEqual([]);
    });
  });

  describe("creating, changing and deleting", () => {
    it("creates an endpoint its receiver verified, and shows its secret once, with a copy button", async () => {
      // Prepare
      const receiver = await receivers.start();
      const tenant = await newTenant("portal-create");
      const portal = await pages.signedIn(tenant);
      const { page } = portal;
      await page.getByText("You have no endpoints yet.").waitFor();

      // Act: the form, by its labels
      await page.getByRole("link", { name: "New endpoint" }).click();
      await page.getByRole("heading", { name: "New endpoint" }).waitFor();
      await page.getByLabel("Name", { exact: true }).fill("Leads to RD");
      await page.getByLabel("URL", { exact: true }).fill(`${receiver.url}/hooks`);
      await page.getByLabel("crm.lead.created").check();
      await page.getByLabel("Other event patterns").fill("chat.*");
      await page.getByLabel("Description").fill("New leads");
      await page.getByLabel("Headers").fill("X-Api-Token: abc\nX-Team: growth");
      const verifyChecked = await page.getByLabel("Verify the URL first").isChecked();
      await page.getByRole("button", { name: "Create endpoint" }).click();

      // Assess: the secret is the one the verification POST was signed with
      await page.getByRole("heading", { name: "Endpoint created: save its signing secret" }).waitFor();
      const { shown, copied } = await shownSecret(portal);
      expect(verifyChecked).toBe(true);
      expect(shown).toMatch(/^whsec_/);
      expect(copied).toBe(shown);
      const [verification] = await receiver.waitForRequests(1);
      expect(verification?.json.type).toBe("webhook.verification");
      expect(verification?.headers["x-api-token"]).toBe("abc");
      expect(() =>
        new Webhook(shown).verify(verification?.raw ?? "", verification?.headers as Record<string, string>),
      ).not.toThrow();
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Leads to RD");
      const listed = await tenant.api("GET", "/v1/webhooks");
      expect(listed.json.data).toMatchObject([
        {
          name: "Leads to RD",
          url: `${receiver.url}/hooks`,
          events: ["crm.lead.created", "chat.*"],
          description: "New leads",
          headers: { "X-Api-Token": "abc", "X-Team": "growth" },
          is_active: true,
        },
      ]);

      // Shown once: a reload of the same page no longer has it.
      await page.reload();
      await page.getByRole("heading", { level: 1, name: "Leads to RD" }).waitFor();
      expect(await page.getByText(shown).count()).toBe(0);
      expectNoPageProblems(portal);
    });

    it("puts each of the API's field messages next to its field, and saves only what changed", async () => {
      // Prepare
      const tenant = await newTenant("portal-edit");
      const hook = await createEndpoint(tenant, "http://127.0.0.1:9/old", { name: "Old name" });
      const refused = await tenant.api("PUT", `/v1/webhooks/${hook.id}`, {
        body: { url: "not a url", headers: { "Content-Type": "text/plain" } },
      });
      expect(refused.status).toBe(400);
      const messageOf = (field: string) =>
        (refused.json.error.details as { field: string; message: string }[]).find((d) => d.field === field)
          ?.message;
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;

      // Act: bad input first
      await page.getByRole("link", { name: "Edit" }).click();
      await page.getByRole("heading", { name: "Edit Old name" }).waitFor();
      await page.getByLabel("URL", { exact: true }).fill("not a url");
      await page.getByLabel("Headers").fill("Content-Type: text/plain");
      await page.getByRole("button", { name: "Save changes" }).click();

      // Assess: each message by its field, the API's message in the alert, the focus on the first
      await expect.poll(() => page.locator("#endpoint-url-error").textContent()).toBe(messageOf("url"));
      expect(await page.locator("#endpoint-headers-error").textContent()).toBe(
        `Content-Type: ${messageOf("headers.Content-Type")}`,
      );
      expect(await page.getByRole("alert").textContent()).toBe(refused.json.error.message);
      expect(await page.getByLabel("URL", { exact: true }).getAttribute("aria-invalid")).toBe("true");
      expect(await page.evaluate("document.activeElement.id")).toBe("endpoint-url");

      // Act: a good edit, skipping the verification of the new url
      await page.getByLabel("Name", { exact: true }).fill("New name");
      await page.getByLabel("URL", { exact: true }).fill("http://127.0.0.1:9/new");
      await page.getByLabel("crm.lead.updated").check();
      await page.getByLabel("Description").fill("Now described");
      await page.getByLabel("Headers").fill("X-Token: 2");
      await page.getByLabel("Active").uncheck();
      await page.getByLabel("Verify the URL first").uncheck();
      const put = page.waitForRequest((r) => r.method() === "PUT");
      await page.getByRole("button", { name: "Save changes" }).click();

      // Assess
      await page.getByRole("status").getByText("Changes saved.").waitFor();
      await page.getByRole("heading", { level: 1, name: "New name" }).waitFor();
      expect((await put).postDataJSON()).toEqual({
        name: "New name",
        url: "http://127.0.0.1:9/new",
        verify: false,
        events: ["crm.lead.created", "crm.lead.updated"],
        description: "Now described",
        headers: { "X-Token": "2" },
        is_active: false,
      });
      const saved = await tenant.api("GET", `/v1/webhooks/${hook.id}`);
      expect(saved.json.data).toMatchObject({
        name: "New name",
        url: "http://127.0.0.1:9/new",
        events: ["crm.lead.created", "crm.lead.updated"],
        description: "Now described",
        headers: { "X-Token": "2" },
        is_active: false,
        disabled_reason: "manual",
      });
      expectNoPageProblems(portal);
    });

    it("disables and re-enables an endpoint, and deletes it only once the dialog is confirmed", async () => {
      // Prepare
      const tenant = await newTenant("portal-delete");
      const hook = await createEndpoint(tenant, "http://127.0.0.1:9/x", { name: "Doomed hook" });
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;
      const settings = page.getByRole("region", { name: "Settings" });
      await settings.getByText("Active", { exact: true }).waitFor();

      // Act and assess: disable, enable
      await page.getByRole("button", { name: "Disable" }).click();
      await page.getByRole("status").getByText("The endpoint is disabled.").waitFor();
      await settings.getByText("Disabled: manual").waitFor();
      expect((await tenant.api("GET", `/v1/webhooks/${hook.id}`)).json.data.is_active).toBe(false);
      await page.getByRole("button", { name: "Enable" }).click();
      await page.getByRole("status").getByText("The endpoint is enabled.").waitFor();
      await settings.getByText("Active", { exact: true }).waitFor();
      expect((await tenant.api("GET", `/v1/webhooks/${hook.id}`)).json.data.is_active).toBe(true);

      // Act: Delete with the keyboard, then Escape
      await page.getByRole("button", { name: "Delete", exact: true }).focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Delete this endpoint?" });
      await dialog.waitFor();
      const focusedInDialog = await page.evaluate("document.activeElement.textContent");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });

      // Assess: nothing deleted, the focus back on Delete
      expect(focusedInDialog).toBe("Cancel");
      expect(await page.evaluate("document.activeElement.textContent")).toBe("Delete");
      expect((await tenant.api("GET", `/v1/webhooks/${hook.id}`)).status).toBe(200);

      // Act: confirm
      await page.getByRole("button", { name: "Delete", exact: true }).click();
      expect(await dialog.getByText("Doomed hook").isVisible()).toBe(true);
      await dialog.getByRole("button", { name: "Delete endpoint" }).click();

      // Assess
      await page.getByRole("status").getByText("Doomed hook is deleted.").waitFor();
      await page.getByText("You have no endpoints yet.").waitFor();
      expect((await tenant.api("GET", `/v1/webhooks/${hook.id}`)).status).toBe(404);
      expectNoPageProblems(portal);
    });

    it("rotates the secret and shows the new one once, which signs the next delivery", async () => {
      // Prepare
      const receiver = await receivers.start();
      const tenant = await newTenant("portal-rotate");
      const hook = await createEndpoint(tenant, `${receiver.url}/hooks`, { name: "Rotating hook" });
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;
      await page.getByRole("heading", { level: 1, name: "Rotating hook" }).waitFor();

      // Act
      await page.getByRole("button", { name: "Rotate secret" }).click();
      await page.getByRole("heading", { name: "New signing secret: save it" }).waitFor();
      const focused = await page.evaluate("document.activeElement.textContent");
      const { shown, copied } = await shownSecret(portal);

      // Assess: a new secret, and the test event sent next is signed with it
      expect(focused).toBe("New signing secret: save it");
      expect(shown).toMatch(/^whsec_/);
      expect(shown).not.toBe(hook.secret_token);
      expect(copied).toBe(shown);
      await page.getByRole("button", { name: "Send test" }).click();
      const [sent] = await receiver.waitForRequests(1);
      expect(() =>
        new Webhook(shown).verify(sent?.raw ?? "", sent?.headers as Record<string, string>),
      ).not.toThrow();
      expectNoPageProblems(portal);
    });
  });
});
