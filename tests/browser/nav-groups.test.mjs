// Folders without a page of their own: navigation groups in a bundle opened from file://.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileUrl, launch, tempDir, upnotes } from "./lib.mjs";

let site;
let browser;

/** Pages in navigation order: `getting-started/` and `reference/api/` have no index page. */
const pages = {
  "index.md": "title: Home",
  "about.md": "title: About",
  "getting-started/install.md": "title: Install\nweight: -1",
  "getting-started/configure.md": "title: Configure",
  "reference/api/calls.md": "title: Calls",
  "reference/api/types.md": "title: Types",
};

before(async () => {
  site = tempDir();
  writeFileSync(path.join(site.dir, "upnotes.yaml"), "title: Groups\nbase_url: https://example.org/\n");
  for (const [rel, frontMatter] of Object.entries(pages)) {
    const file = path.join(site.dir, "content", rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `---\n${frontMatter}\n---\nText of ${rel}.\n`);
  }
  upnotes(site.dir, ["bundle"]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  site?.cleanup();
});

const url = (rel) => fileUrl(path.join(site.dir, "bundle", rel, "index.html"));

async function openPage(rel) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url(rel));
  return { page, errors };
}

const texts = (locator) => locator.evaluateAll((nodes) => nodes.map((n) => n.textContent));

test("a folder without a page is a closed group whose label opens it", async () => {
  const { page, errors } = await openPage("");
  const top = page.locator("#site-nav .nav-root > li > .nav-row > :first-child");
  assert.deepEqual(await texts(top), ["Home", "About", "Getting started", "Reference"]);
  assert.equal(await page.locator("#site-nav a").count(), 2);
  const label = page.locator("#site-nav button.nav-label", { hasText: "Getting started" });
  const folder = page.locator("#site-nav button.nav-folder[aria-label='Getting started']");
  assert.equal(await folder.getAttribute("aria-expanded"), "false");
  await label.click();
  assert.equal(await folder.getAttribute("aria-expanded"), "true");
  assert.ok(await page.locator("#site-nav a", { hasText: "Configure" }).isVisible());
  await label.click();
  assert.equal(await page.locator("#site-nav a", { hasText: "Configure" }).isVisible(), false);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a page in nested groups opens its branch, and previous/next skip the groups", async () => {
  const { page, errors } = await openPage("reference/api/calls");
  const current = page.locator("#site-nav a[aria-current=page]");
  assert.equal(await current.textContent(), "Calls");
  assert.ok(await current.isVisible());
  assert.ok(await page.locator("#site-nav button.nav-label", { hasText: "Api" }).isVisible());
  // The closed group "Getting started" is not built.
  assert.deepEqual(await texts(page.locator("#site-nav a")), ["Home", "About", "Calls", "Types"]);
  assert.equal(await page.locator("[data-pager] a[rel=prev]").textContent(), "PreviousConfigure");
  assert.equal(await page.locator("[data-pager] a[rel=next]").textContent(), "NextTypes");
  await page.click("[data-pager] a[rel=prev]");
  assert.match(page.url(), /\/getting-started\/configure\/index\.html$/);
  assert.equal(await page.locator("[data-pager] a[rel=prev]").textContent(), "PreviousInstall");
  assert.deepEqual(errors, []);
  await page.close();
});
