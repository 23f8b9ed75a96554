/**
 * @module `npx tsx bench/portal.ts [--screenshots]`: what the integrator portal costs a reader
 * (docs/portal.md). On its own local run, seeded with a tenant that has a few endpoints and
 * deliveries, Debian's Chromium opens the portal with a portal session RUNS times in a fresh
 * context (first load: nothing cached) and RUNS times again by reloading it (warm: the assets
 * from the cache, the page revalidated). For each it counts the bytes of every response (headers
 * and body as they came over the wire: the page's own files, and the API calls apart) and the
 * time to interactive: from navigation start to the endpoint list rendered with its links, which
 * are clickable from then on. Medians, next to the targets. With `--screenshots` it also writes
 * the main screens to docs/portal/*.png.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
  type Response as PageResponse,
} from "playwright-core";
import { localAdminClient } from "../cli/admin-client";
import { type HooklineClient, hooklineClient } from "../client/api";
import { type LocalOutputs, startLocalPlatform } from "../local/platform";
import { buildPortal } from "../portal/build";
import { median, printTable } from "./harness";
import { verdict } from "./targets";

const RUNS = 10;
/** The page's own files (HTML, JS, CSS) on a first load, over the wire. */
const TARGET_OWN_BYTES = 50 * 1024;
const TARGET_TTI_MS = 1000;
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS_DIR = fileURLToPath(new URL("../docs/portal/", import.meta.url));
const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 360, height: 780 };

// Runs in the page before its script: the moment the first endpoint link is in the list.
const MARK_INTERACTIVE = `new MutationObserver((_, observer) => {
  if (document.querySelector('main a[href^="#/endpoints/"]')) {
    window.__interactiveAt = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });`;

interface Load {
  readonly ttiMs: number;
  /** Bytes by kind: `html`, `js`, `css`, `api`; and how many API calls. */
  readonly bytes: Record<"html" | "js" | "css" | "api", number>;
  readonly apiCalls: number;
}

/** A receiver answering `status` with a short JSON body. */
async function receiver(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": "application/json" }).end(body));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function must<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending;
  if (data === undefined) throw new Error(`the API answered ${response.status}: ${JSON.stringify(error)}`);
  return data;
}

/** The local tenant's endpoints and deliveries: what a reader of the portal sees. */
async function seed(api: HooklineClient, ok: string, failing: string): Promise<{ failingId: string }> {
  const leads = await must(
    api.POST("/v1/webhooks", {
      body: {
        name: "CRM leads",
        url: `${ok}/hookline`,
        events: ["crm.lead.created", "crm.lead.updated", "crm.lead.moved"],
        description: "New and changed leads into the CRM",
        headers: { "X-Api-Token": "crm-token-123" },
      },
    }),
  );
  const analytics = await must(
    api.POST("/v1/webhooks", {
      body: { name: "Analytics (staging)", url: `${failing}/events`, events: ["chat.*"], verify: false },
    }),
  );
  await must(
    api.POST("/v1/webhooks", {
      body: {
        name: "Old integration",
        url: `${ok}/old`,
        events: ["*"],
        is_active: false,
        verify: false,
      },
    }),
  );
  const onLeads = { params: { path: { id: leads.data.id } } };
  const onAnalytics = { params: { path: { id: analytics.data.id } } };
  await must(api.POST("/v1/webhooks/{id}/test", onLeads));
  await must(api.POST("/v1/webhooks/{id}/test", { ...onLeads, body: { event_type: "crm.lead.created" } }));
  for (const type of ["crm.lead.created", "crm.lead.moved", "chat.conversation.created"]) {
    await must(api.POST("/v1/events", { body: { type, data: { lead: { id: "lead_4711" } } } }));
  }
  const failed = await must(api.POST("/v1/webhooks/{id}/test", onAnalytics));
  await must(
    api.POST("/v1/webhooks/{id}/deliveries/{delivery_id}/retry", {
      params: { path: { id: analytics.data.id, delivery_id: failed.data.id } },
    }),
  );
  // The events go through the queue: wait until each endpoint has its deliveries.
  for (const [path, count] of [
    [onLeads, 4],
    [onAnalytics, 2],
  ] as const) {
    for (let i = 0; ; i++) {
      const log = await must(api.GET("/v1/webhooks/{id}/deliveries", path));
      if (log.data.filter((d) => d.status !== "pending").length >= count) break;
      if (i > 100) throw new Error("the seeded events were not delivered");
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  return { failingId: analytics.data.id };
}

function kindOf(url: string): keyof Load["bytes"] {
  const { pathname } = new URL(url);
  if (pathname.endsWith(".js")) return "js";
  if (pathname.endsWith(".css")) return "css";
  return pathname.startsWith("/portal") ? "html" : "api";
}

/** One page load by `navigate`: what it fetched, and when it was interactive. */
async function measure(page: Page, navigate: () => Promise<unknown>): Promise<Load> {
  const responses: Promise<{ kind: keyof Load["bytes"]; bytes: number }>[] = [];
  const onResponse = (response: PageResponse) => {
    responses.push(
      response
        .request()
        .sizes()
        .then((sizes) => ({
          kind: kindOf(response.url()),
          bytes: sizes.responseBodySize + sizes.responseHeadersSize,
        })),
    );
  };
  page.on("response", onResponse);
  await navigate();
  // A function, not a string: the page's CSP refuses eval, which a string predicate needs.
  const mark = await page.waitForFunction(() => (globalThis as { __interactiveAt?: number }).__interactiveAt);
  const ttiMs = (await mark.jsonValue()) as number;
  // The list's own call is done once it is rendered; anything else the load started, too.
  await page.waitForLoadState("networkidle");
  page.off("response", onResponse);
  const bytes = { html: 0, js: 0, css: 0, api: 0 };
  let apiCalls = 0;
  for (const { kind, bytes: size } of await Promise.all(responses)) {
    bytes[kind] += size;
    if (kind === "api") apiCalls++;
  }
  return { ttiMs, bytes, apiCalls };
}

async function newContext(browser: Browser, viewport = WIDE): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  await context.addInitScript({ content: MARK_INTERACTIVE });
  return context;
}

async function loads(
  browser: Browser,
  portalUrl: string,
  runs: number,
): Promise<{ first: Load[]; warm: Load[] }> {
  const first: Load[] = [];
  const warm: Load[] = [];
  for (let i = 0; i < runs; i++) {
    const context = await newContext(browser);
    const page = await context.newPage();
    first.push(await measure(page, () => page.goto(portalUrl)));
    // The token is in sessionStorage now; a reload finds the assets in the cache.
    warm.push(await measure(page, () => page.reload()));
    await context.close();
  }
  return { first, warm };
}

async function screenshots(browser: Browser, outputs: LocalOutputs, portalUrl: string, failingId: string) {
  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS_DIR}${name}.png` });
  const signedOut = await newContext(browser);
  const signIn = await signedOut.newPage();
  await signIn.goto(`${outputs.ApiUrl}/portal`);
  await signIn.getByLabel("API key").waitFor();
  await shot(signIn, "sign-in");
  await signedOut.close();

  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(portalUrl);
  await page.getByRole("link", { name: "CRM leads" }).waitFor();
  await shot(page, "endpoints");

  await page.getByRole("link", { name: "Analytics (staging)" }).click();
  await page.getByText("Page 1").waitFor();
  await shot(page, "endpoint");
  await page
    .getByRole("region", { name: "Delivery log" })
    .screenshot({ path: `${SHOTS_DIR}delivery-log.png` });

  // The test that failed, then failed again when retried: a delivery with two attempts.
  await page.getByRole("row").filter({ hasText: "failed" }).getByRole("link").click();
  await page.getByRole("region", { name: "Attempts" }).waitFor();
  await shot(page, "delivery");

  await page.goto(`${outputs.ApiUrl}/portal#/new`);
  await page.getByLabel("Name", { exact: true }).fill("Billing sync");
  await page.getByLabel("URL", { exact: true }).fill(`${outputs.ApiUrl.replace(/:\d+$/, ":9")}/billing`);
  await page.getByLabel("crm.lead.created").check();
  await page.getByLabel("Headers").fill("X-Api-Token: billing-123");
  await page.getByLabel("Verify the URL first").uncheck();
  await page.evaluate("window.scrollTo(0, 0)");
  await shot(page, "create");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await page.locator(".secret-value").waitFor();
  await shot(page, "secret");
  await context.close();

  const narrow = await newContext(browser, NARROW);
  const phone = await narrow.newPage();
  await phone.goto(portalUrl);
  await phone.getByRole("link", { name: "CRM leads" }).waitFor();
  await shot(phone, "endpoints-360");
  await narrow.close();
  console.log(`\nscreenshots written to docs/portal/ (the failing endpoint: ${failingId})`);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const ownBytes = (l: Load) => l.bytes.html + l.bytes.js + l.bytes.css;
const medianOf = (runs: readonly Load[], f: (l: Load) => number) => median(runs.map(f));

async function main(): Promise<void> {
  const wantShots = process.argv.includes("--screenshots");
  const platform = await startLocalPlatform({ port: 0, logLevel: "ERROR" });
  const ok = await receiver(200, '{"received":true}');
  const failing = await receiver(500, '{"error":"lead store unavailable, try again later"}');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
  try {
    const { outputs } = platform;
    const api = hooklineClient({ baseUrl: outputs.ApiUrl, token: outputs.ApiKey });
    const { failingId } = await seed(api, ok.url, failing.url);
    const session = await must(
      localAdminClient(outputs).POST("/admin/v1/tenants/{tenant_id}/portal-sessions", {
        params: { path: { tenant_id: outputs.TenantId } },
        body: {},
      }),
    );
    const portalUrl = session.data.url;
    // One load to warm the local run's lazy imports and connections, not counted.
    await loads(browser, portalUrl, 1);
    const { first, warm } = await loads(browser, portalUrl, RUNS);

    const assets = await buildPortal();
    const size = (name: keyof typeof assets) => Buffer.byteLength(assets[name].body);
    const gzip = (name: keyof typeof assets) => gzipSync(assets[name].body).length;
    console.log(
      `\nThe portal's files as built: app.js ${kb(size("app.js"))} (${kb(gzip("app.js"))} gzipped), ` +
        `app.css ${kb(size("app.css"))} (${kb(gzip("app.css"))} gzipped), index.html ${size("index.html")} B. ` +
        "API Gateway HTTP APIs do not compress, so the raw size is what travels.\n",
    );
    console.log(`Page loads, median of ${RUNS}, Chromium headless against the local run:\n`);
    const rows = [
      ["first load (nothing cached)", first],
      ["warm (reload: assets cached, page revalidated)", warm],
    ] as const;
    printTable(
      ["load", "HTML", "JS", "CSS", "page's own files", "API calls", "API bytes", "to interactive"],
      rows.map(([name, runs]) => {
        const m = (f: (l: Load) => number) => medianOf(runs, f);
        return [
          name,
          kb(m((l) => l.bytes.html)),
          kb(m((l) => l.bytes.js)),
          kb(m((l) => l.bytes.css)),
          kb(m(ownBytes)),
          String(m((l) => l.apiCalls)),
          kb(m((l) => l.bytes.api)),
          `${m((l) => l.ttiMs).toFixed(0)} ms`,
        ];
      }),
    );
    const firstOwn = medianOf(first, ownBytes);
    const firstTti = medianOf(first, (l) => l.ttiMs);
    const warmTti = medianOf(warm, (l) => l.ttiMs);
    console.log("");
    console.log(
      `target (page's own files, first load): ${kb(firstOwn)}, target < ${kb(TARGET_OWN_BYTES)}: ${verdict(firstOwn < TARGET_OWN_BYTES)}`,
    );
    console.log(
      `target (time to interactive, first load): ${firstTti.toFixed(0)} ms, target < ${TARGET_TTI_MS} ms: ${verdict(firstTti < TARGET_TTI_MS)}`,
    );
    console.log(
      `target (time to interactive, warm): ${warmTti.toFixed(0)} ms, target < ${TARGET_TTI_MS} ms: ${verdict(warmTti < TARGET_TTI_MS)}`,
    );
    if (wantShots) await screenshots(browser, outputs, portalUrl, failingId);
  } finally {
    await browser.close();
    ok.server.close();
    failing.server.close();
    await platform.stop();
  }
}

await main();
