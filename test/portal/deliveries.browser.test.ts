import { afterAll, describe, expect, it } from "vitest";
import { describeInBrowser, type PortalPage, withBrowser } from "../support/browser";
import { createEndpoint } from "../support/delivery";
import { newTenant, type TestTenant } from "../support/platform";
import { receiverPool } from "../support/receiver";
import { expectFits, expectNoPageProblems, expectNoTokenInUrls, portalPages } from "./portal-session";

const receivers = receiverPool();
afterAll(receivers.closeAll);

/** A receiver that answers 500 while `failing`, else 200, each time with a body saying which. */
async function switchableReceiver() {
  const state = { failing: true };
  const receiver = await receivers.start(() =>
    state.failing ? { status: 500, body: "down for maintenance" } : { status: 200, body: "back up" },
  );
  return { receiver, state };
}

/** `count` test deliveries of the endpoint, made over the API at once; their ids, newest first. */
async function sendTests(tenant: TestTenant, webhookId: string, count: number): Promise<string[]> {
  const sent = await Promise.all(
    Array.from({ length: count }, () => tenant.api("POST", `/v1/webhooks/${webhookId}/test`)),
  );
  expect(sent.map((res) => res.status)).toEqual(sent.map(() => 200));
  // Delivery ids are ULIDs: the log's order, newest first, is theirs.
  return sent.map((res) => res.json.data.id as string).sort((a, b) => b.localeCompare(a));
}

/** The log's rows as [delivery id, status], read in one go. */
function logRows({ page }: PortalPage): Promise<string[][]> {
  return page.evaluate(`[...document.querySelectorAll('[aria-label="Deliveries"] tbody tr')]
    .map((row) => [row.cells[0].textContent, row.cells[2].textContent])`) as Promise<string[][]>;
}

describeInBrowser("deliveries in the portal, in Chromium", () => {
  const pages = portalPages(withBrowser());

  describe("a test event", () => {
    it("sends a plain test and a catalog type's example, and shows each attempt", async () => {
      // Prepare: a receiver that takes the plain test and refuses the example
      const receiver = await receivers.start((request) =>
        request.json?.type === "webhook.test"
          ? { status: 202, body: "thanks, got it" }
          : { status: 500, body: "lead store is down" },
      );
      const tenant = await newTenant("portal-test");
      const hook = await createEndpoint(tenant, `${receiver.url}/hooks`, { name: "Tested hook" });
      const catalog = await tenant.api("GET", "/v1/webhooks/events");
      const example = catalog.json.data.find((t: { type: string }) => t.type === "crm.lead.created")?.example;
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;
      const result = page.getByRole("region", { name: "Send a test event" });

      // Act: the plain test
      await page.getByRole("button", { name: "Send test" }).click();

      // Assess: the status code, the duration and the response excerpt
      await result.getByText(/^Attempt 1: HTTP 202 in \d+ ms\.$/).waitFor();
      expect(await result.locator("pre").textContent()).toBe("thanks, got it");
      const [plain] = await receiver.waitForRequests(1);
      expect(plain?.json).toMatchObject({ type: "webhook.test", data: { webhook_id: hook.id } });
      const deliveryLink = result.getByRole("link", { name: /^Open msg_/ });
      expect(await deliveryLink.getAttribute("href")).toMatch(
        new RegExp(`^#/endpoints/${hook.id}/deliveries/msg_`),
      );

      // Act: the catalog type's example
      const options = await page.getByLabel("Event", { exact: true }).locator("option").allTextContents();
      await page.getByLabel("Event", { exact: true }).selectOption("crm.lead.created");
      await page.getByRole("button", { name: "Send test" }).click();

      // Assess
      await result.getByText(/^Attempt 1: HTTP 500 in \d+ ms\.$/).waitFor();
      expect(await result.locator("pre").textContent()).toBe("lead store is down");
      expect(await result.getByText("Test failed.").count()).toBe(1);
      const [, typed] = await receiver.waitForRequests(2);
      expect(typed?.json).toMatchObject({ type: "crm.lead.created", data: example });
      expect(options[0]).toBe("webhook.test (a plain test)");
      expect(options).toContain("crm.lead.created (its example)");
      // The log below has both, newest first.
      const log = page.getByRole("region", { name: "Deliveries" });
      await expect.poll(() => log.getByRole("row").count()).toBe(3);
      expect(await log.getByRole("row").nth(1).getByRole("cell").nth(1).textContent()).toBe(
        "crm.lead.created",
      );
      expectNoPageProblems(portal);
    });

    it("shows an attempt that got no answer by its error kind", async () => {
      // Prepare: nothing listens there
      const closed = await receivers.start();
      const url = `${closed.url}/gone`;
      await closed.close();
      const tenant = await newTenant("portal-test");
      const hook = await createEndpoint(tenant, url, { name: "Unreachable hook" });
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;

      // Act
      await page.getByRole("button", { name: "Send test" }).click();

      // Assess
      const result = page.getByRole("region", { name: "Send a test event" });
      await result.getByText(/^Attempt 1: connection_refused in \d+ ms\.$/).waitFor();
      expect(await result.locator("pre").textContent()).toBe("(empty)");
      expectNoPageProblems(portal);
    });
  });

  describe("the delivery log", () => {
    it("reads the log newest first, by status and page by page", async () => {
      // Prepare: 3 failed deliveries, then 19 that succeeded: two pages of 20
      const { receiver, state } = await switchableReceiver();
      const tenant = await newTenant("portal-log");
      const hook = await createEndpoint(tenant, `${receiver.url}/hooks`, { name: "Busy hook" });
      const failed = await sendTests(tenant, hook.id, 3);
      state.failing = false;
      const succeeded = await sendTests(tenant, hook.id, 19);
      const newestFirst = [...succeeded, ...failed];
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;
      const newer = page.getByRole("button", { name: "Newer" });
      const next = page.getByRole("button", { name: "Next page" });
      await page.getByText("Page 1").waitFor();

      // Assess: the first page
      expect((await logRows(portal)).map(([id]) => id)).toEqual(newestFirst.slice(0, 20));
      expect([await newer.isDisabled(), await next.isDisabled()]).toEqual([true, false]);

      // Act and assess: the next page, the last; the focus goes to the log's heading
      await next.click();
      await page.getByText("Page 2").waitFor();
      expect((await logRows(portal)).map(([id]) => id)).toEqual(newestFirst.slice(20));
      expect([await newer.isDisabled(), await next.isDisabled()]).toEqual([false, true]);
      expect(await page.evaluate("document.activeElement.textContent")).toBe("Delivery log");
      await newer.click();
      await page.getByText("Page 1").waitFor();
      expect((await logRows(portal))[0]?.[0]).toBe(newestFirst[0]);

      // Act and assess: by status, then two statuses
      await page.getByLabel("failed").check();
      await expect.poll(async () => (await logRows(portal)).length).toBe(3);
      expect(await logRows(portal)).toEqual(failed.map((id) => [id, "failed"]));
      await page.getByLabel("succeeded").check();
      await expect.poll(async () => (await logRows(portal)).length).toBe(20);
      await page.getByLabel("failed").uncheck();
      await page.getByLabel("succeeded").uncheck();
      await page.getByLabel("retrying").check();
      await page.getByText("No deliveries.").waitFor();

      // The filter went as the API's status parameter; no token in any address.
      const statusQueries = portal.requestedUrls.map((url) => new URL(url).searchParams.get("status"));
      expect(statusQueries).toEqual(expect.arrayContaining(["failed", "succeeded,failed", "retrying"]));
      expectNoTokenInUrls(portal, tenant.key);
      await expectFits(page, 360);
      await expectFits(page, 1440);
      expectNoPageProblems(portal);
    });

    it("opens a delivery with every attempt, and retries it now", async () => {
      // Prepare: a delivery whose one attempt got a 500
      const { receiver, state } = await switchableReceiver();
      const tenant = await newTenant("portal-retry");
      const hook = await createEndpoint(tenant, `${receiver.url}/hooks`, { name: "Flaky hook" });
      const [deliveryId = ""] = await sendTests(tenant, hook.id, 1);
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;

      // Act: open it from the log
      await page.getByRole("link", { name: deliveryId }).click();
      await page.getByRole("heading", { level: 1, name: `Delivery ${deliveryId}` }).waitFor();

      // Assess: its attempt
      const attempts = page.getByRole("region", { name: "Attempts" }).getByRole("row");
      const cells = (n: number) => attempts.nth(n).getByRole("cell").allTextContents();
      const [number, , outcome, duration, response] = await cells(1);
      expect([number, outcome, response]).toEqual(["1", "HTTP 500", "down for maintenance"]);
      expect(duration).toMatch(/^\d+ ms$/);
      expect(
        await page.getByRole("region", { name: "Delivery" }).getByText("failed", { exact: true }).count(),
      ).toBe(1);

      // Act: retry, the receiver back up
      state.failing = false;
      await page.getByRole("button", { name: "Retry now" }).click();

      // Assess: both attempts, the delivery succeeded
      await page.getByRole("status").getByText("Attempt 2 made: HTTP 200.").waitFor();
      expect(await attempts.count()).toBe(3);
      expect((await cells(2)).filter((_, i) => i !== 1 && i !== 3)).toEqual(["2", "HTTP 200", "back up"]);
      await page.getByRole("region", { name: "Delivery" }).getByText("succeeded", { exact: true }).waitFor();
      expect(receiver.requests).toHaveLength(2);
      await expectFits(page, 360);
      await expectFits(page, 1440);

      // Back to the endpoint, where the log shows it succeeded.
      await page.getByRole("link", { name: "Back to the endpoint" }).click();
      await expect.poll(() => logRows(portal)).toEqual([[deliveryId, "succeeded"]]);
      expectNoPageProblems(portal);
    });

    it("recovers what failed since a time once the endpoint is enabled, saying how many were queued", async () => {
      // Prepare: two failed deliveries of an endpoint disabled since
      const { receiver, state } = await switchableReceiver();
      const tenant = await newTenant("portal-recover");
      const hook = await createEndpoint(tenant, `${receiver.url}/hooks`, { name: "Recovering hook" });
      const failed = await sendTests(tenant, hook.id, 2);
      await tenant.api("PUT", `/v1/webhooks/${hook.id}`, { body: { is_active: false } });
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const refusal = await tenant.api("POST", `/v1/webhooks/${hook.id}/recover`, { body: { since } });
      expect(refusal.status).toBe(409);
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;
      await page.getByText("Page 1").waitFor();

      // Act: recover while disabled
      await page.getByRole("button", { name: "Recover" }).click();

      // Assess: the API's own refusal
      await page.getByRole("alert").getByText(refusal.json.error.message).waitFor();

      // Act: enable, the receiver back up, recover from an hour ago
      await page.getByRole("button", { name: "Enable" }).click();
      await page.getByRole("status").getByText("The endpoint is enabled.").waitFor();
      state.failing = false;
      const local = new Date(Date.now() - 3_600_000 - new Date().getTimezoneOffset() * 60_000);
      await page.getByLabel("Since").fill(local.toISOString().slice(0, 16));
      const recover = page.waitForRequest((r) => r.url().endsWith("/recover"));
      await page.getByRole("button", { name: "Recover" }).click();

      // Assess: two queued, resent through the slow lane, and the log shows them succeeded
      await page.getByRole("status").getByText("2 deliveries queued for resending.").waitFor();
      expect(new Date((await recover).postDataJSON().since).getTime()).toBeLessThan(Date.now() - 3_000_000);
      await receiver.waitForRequests(4);
      await expect
        .poll(async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return logRows(portal);
        })
        .toEqual(failed.map((id) => [id, "succeeded"]));
      expectNoPageProblems(portal);
    });

    it("shows a failing event's delivery retrying, with its next attempt", async () => {
      // Prepare: an event to an endpoint whose receiver answers 500
      const { receiver } = await switchableReceiver();
      const tenant = await newTenant("portal-retrying");
      const hook = await createEndpoint(tenant, `${receiver.url}/hooks`, { name: "Failing hook" });
      const portal = await pages.signedIn(tenant, `/endpoints/${hook.id}`);
      const { page } = portal;
      await page.getByText("No deliveries.").waitFor();

      // Act
      const sent = await tenant.api("POST", "/v1/events", {
        body: { type: "crm.lead.created", data: { lead: { email: "ana@example.com" } } },
      });
      expect(sent.status).toBe(202);
      await page.getByLabel("retrying").check();

      // Assess: retrying with a next attempt, found through the filter
      const row = page.getByRole("region", { name: "Deliveries" }).getByRole("row").nth(1);
      await expect
        .poll(async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return (await row.count()) > 0 ? (await row.getByRole("cell").allTextContents())[2] : undefined;
        })
        .toBe("retrying");
      expect(await row.locator("time").count()).toBeGreaterThanOrEqual(2);
      expectNoPageProblems(portal);
    });
  });
});
