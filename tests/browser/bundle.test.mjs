// The offline bundle opened from file:// with no network: navigation, search, the path view.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { copyExample, fileUrl, launch, tempDir, upnotes } from "./lib.mjs";

let site;
let browser;
const network = [];

before(async () => {
  site = tempDir();
  copyExample(site.dir);
  upnotes(site.dir, ["bundle"]);
  browser = await launch();
  // Anything that is not a local file is a network request: record it and refuse it.
  await browser.context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file://") || url.startsWith("data:")) {
      return route.continue();
    }
    network.push(url);
    return route.abort();
  });
});

after(async () => {
  await browser?.close();
  site?.cleanup();
});

const home = () => fileUrl(path.join(site.dir, "bundle/index.html"));

async function openPage() {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

test("navigate from the home page to the guide, a version page and back", async () => {
  const { page, errors } = await openPage();
  await page.goto(home());
  await page.click("main a:has-text('Upgrading Mesos')");
  assert.match(page.url(), /\/bundle\/upgrades\/index\.html$/);
  assert.equal(await page.locator("table.overview tbody tr").count(), 4);
  await page.click("a:has-text('Page for 0.27.x')");
  assert.match(page.url(), /\/upgrades\/0\.27\.x\/index\.html$/);
  assert.equal(await page.textContent("h1"), "Upgrading from 0.26.x to 0.27.x");
  await page.click(".breadcrumb a");
  assert.match(page.url(), /\/upgrades\/index\.html$/);
  await page.goBack();
  assert.match(page.url(), /0\.27\.x\/index\.html$/);
  await page.click("#site-nav a:has-text('About this example')");
  assert.match(page.url(), /\/about\/index\.html$/);
  await page.click("header .site-title");
  assert.match(page.url(), /\/bundle\/index\.html$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the navigation draws the current page's branch, and a closed folder when it is opened", async () => {
  const { page, errors } = await openPage();
  await page.goto(home());
  // Only the top level exists until a folder is opened: a 10,000-page site must not build
  // 10,000 hidden links on every page load.
  assert.equal(await page.locator("#site-nav a").count(), 3);
  const folder = page.locator("#site-nav button.nav-folder");
  assert.equal(await folder.getAttribute("aria-expanded"), "false");
  await folder.click();
  assert.equal(await folder.getAttribute("aria-expanded"), "true");
  assert.ok(await page.locator("#site-nav a:has-text('0.27.x')").isVisible());
  await folder.click();
  assert.equal(await page.locator("#site-nav a:has-text('0.27.x')").isVisible(), false);

  await page.goto(fileUrl(path.join(site.dir, "bundle/upgrades/0.27.x/index.html")));
  const current = page.locator("#site-nav a[aria-current=page]");
  assert.equal(await current.textContent(), "0.27.x");
  assert.ok(await current.isVisible());
  // Previous and next follow the navigation order, closed folders included.
  assert.equal(await page.locator("[data-pager] a[rel=prev]").textContent(), "Previous0.28.x");
  assert.equal(await page.locator("[data-pager] a[rel=next]").textContent(), "Next0.26.x");
  assert.deepEqual(errors, []);
  await page.close();
});

test("search finds a note and lands on its anchor", async () => {
  const { page, errors } = await openPage();
  await page.goto(fileUrl(path.join(site.dir, "bundle/upgrades/0.20.x/index.html")));
  await page.press("body", "/");
  await page.keyboard.type("implicit roles");
  const first = page.locator("#search-results [role=option]").first();
  await first.waitFor();
  assert.match(await first.textContent(), /Implicit roles/);
  await page.keyboard.press("Enter");
  await page.waitForURL(/upgrades\/index\.html#0-27-x-implicit-roles$/);
  // The theme scrolls smoothly: wait until the note has come to rest near the top of the window.
  await page.waitForFunction(
    () => {
      const box = document.getElementById("0-27-x-implicit-roles").getBoundingClientRect();
      return box.top >= 0 && box.top < 200;
    },
    null,
    { timeout: 10000 },
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test("the path view narrows in the bundle", async () => {
  const { page, errors } = await openPage();
  await page.goto(home());
  await page.click("main a:has-text('Upgrading Mesos')");
  await page.click("a:has-text('Plan an upgrade')");
  assert.match(page.url(), /\/upgrades\/path\/index\.html$/);
  await page.selectOption("select[name=from]", "0.25.x");
  await page.selectOption("select[name=to]", "0.26.x");
  const versions = await page.$$eval(".path-entry:not([hidden]) .version-tag", (tags) =>
    [...new Set(tags.map((t) => t.textContent.trim()))],
  );
  assert.deepEqual(versions, ["0.26.x"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("no page made a network request", () => {
  assert.deepEqual(network, []);
});
