// The upgrade path view and the navigation sidebar, in a real browser, from file://.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { copyExample, fileUrl, launch, tempDir, upnotes } from "./lib.mjs";

let site;
let browser;

before(async () => {
  site = tempDir();
  copyExample(site.dir);
  upnotes(site.dir, ["build"]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  site?.cleanup();
});

const pathPage = () => fileUrl(path.join(site.dir, "site/upgrades/path/index.html"));

test("the path view narrows to the versions in the URL", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${pathPage()}?from=0.26.x&to=0.28.x`);
  assert.equal(await page.inputValue("select[name=from]"), "0.26.x");
  assert.equal(await page.inputValue("select[name=to]"), "0.28.x");
  const visibleVersions = await page.$$eval(".path-entry:not([hidden]) .version-tag", (tags) =>
    [...new Set(tags.map((t) => t.textContent.trim()))].sort(),
  );
  assert.deepEqual(visibleVersions, ["0.27.x", "0.28.x"]);
  const procedures = await page.$$eval(".path-procedure:not([hidden]) h3", (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(procedures, ["Upgrading from 0.26.x to 0.27.x", "Upgrading from 0.27.x to 0.28.x"]);
  assert.match(await page.textContent("[data-path-summary]"), /Upgrading from 0\.26\.x to 0\.28\.x/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("changing the pickers updates the list and the shareable URL", async () => {
  const page = await browser.context.newPage();
  await page.goto(pathPage());
  await page.selectOption("select[name=from]", "0.27.x");
  await page.selectOption("select[name=to]", "0.28.x");
  assert.match(page.url(), /\?from=0\.27\.x&to=0\.28\.x$/);
  const versions = await page.$$eval(".path-entry:not([hidden]) .version-tag", (tags) =>
    [...new Set(tags.map((t) => t.textContent.trim()))],
  );
  assert.deepEqual(versions, ["0.28.x"]);
  await page.close();
});

test("without JavaScript the path view lists every note", async () => {
  const context = browser.context;
  const page = await context.newPage();
  await page.route("**/*.js", (route) => route.abort());
  await page.goto(`${pathPage()}?from=0.26.x&to=0.28.x`);
  const hidden = await page.$$eval(".path-entry[hidden]", (e) => e.length);
  const all = await page.$$eval(".path-entry", (e) => e.length);
  assert.equal(hidden, 0);
  assert.ok(all >= 40, `expected every note, got ${all}`);
  await page.close();
});

test("the sidebar is built from the shared navigation script", async () => {
  const page = await browser.context.newPage();
  await page.goto(fileUrl(path.join(site.dir, "site/upgrades/0.27.x/index.html")));
  const current = await page.$eval("#site-nav [aria-current=page]", (a) => a.textContent.trim());
  assert.equal(current, "0.27.x");
  await page.click("#site-nav >> text=About this example");
  assert.match(page.url(), /\/about\/$/);
  await page.close();
});
