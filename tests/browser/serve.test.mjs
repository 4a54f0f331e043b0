// `upnotes serve` in a real browser: an editor's atomic save appears without a manual reload (the
// page updates in place, at the same scroll position), a change to the config reloads open pages, a
// broken note shows the error overlay (escaped), and fixing it clears the overlay.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { copyExample, launch, tempDir, upnotesBin } from "./lib.mjs";

// Generous: the machine running CI may be small and busy.
const PATIENCE = 60_000;
const NOTE = "content/upgrades/0.28.x/resource-precision.md";

let site;
let server;
let browser;
let baseUrl;

/** Starts `upnotes serve --port 0` in `dir`; resolves with the URL it prints. */
function serve(dir) {
  const child = spawn(upnotesBin, ["serve", "--port", "0"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const transcript = [];
  child.stderr.on("data", (chunk) => transcript.push(String(chunk)));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${transcript.join("")}`)), PATIENCE);
    createInterface({ input: child.stdout }).on("line", (line) => {
      transcript.push(line + "\n");
      const match = /^serving (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}:\n${transcript.join("")}`)));
  });
  return { child, url, transcript };
}

/** Saves like an editor: write a temporary file beside the target, rename it over the target. */
function atomicSave(file, text) {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** The statuses of the page's navigations from now on: one per load or reload. */
function navigations(page) {
  const statuses = [];
  page.on("response", (r) => {
    if (r.request().isNavigationRequest()) statuses.push(r.status());
  });
  return statuses;
}

/** A new tab, with the script errors it will raise. */
async function openPage() {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

before(async () => {
  site = tempDir();
  copyExample(site.dir);
  server = serve(site.dir);
  baseUrl = await server.url;
  browser = await launch();
});

after(async () => {
  server?.child.kill();
  await browser?.close();
  site?.cleanup();
});

test("an atomic save of a note updates the open page in place, at the same scroll position", async () => {
  const { page, errors } = await openPage();
  const statuses = navigations(page);
  await page.goto(`${baseUrl}upgrades/`);
  await page.evaluate(() => window.scrollTo({ top: 1200, behavior: "instant" }));
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.ok(scrolled > 0, "the guide page is long enough to scroll");

  await page.evaluate(() => { window.__sameDocument = true; });
  const file = path.join(site.dir, NOTE);
  const marker = `Live reload marker ${Date.now()}`;
  atomicSave(file, readFileSync(file, "utf8") + `\n${marker}\n`);
  await page.waitForFunction((text) => document.body.innerText.includes(text), marker, { timeout: PATIENCE });
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 5, scrolled, { timeout: PATIENCE });

  assert.equal(await page.evaluate(() => window.__sameDocument), true, "updated in place, not reloaded");
  assert.deepEqual(statuses, [200], "no navigation after the first");
  // The theme set up the new content: copy buttons on every block, the pager filled in.
  const blocks = await page.locator(".content pre.highlight").count();
  assert.ok(blocks > 0, "the guide page has code blocks");
  assert.equal(await page.locator(".content .copy-button").count(), blocks);
  assert.ok(await page.locator("[data-pager] a").count() > 0, "the pager is filled in");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a page's body edit shows in place first, and the rest of its rebuild does not reload it", async () => {
  const { page, errors } = await openPage();
  const statuses = navigations(page);
  await page.goto(`${baseUrl}about/`);
  await page.evaluate(() => { window.__sameDocument = true; });
  const file = path.join(site.dir, "content/about.md");
  const marker = `Body edit marker ${Date.now()}`;
  const rebuilds = () => server.transcript.filter((l) => l.startsWith("rebuilt in ")).length;
  const before = rebuilds();
  // In the first paragraph, so that the page's search entry changes too.
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes("\nThis example site"));
  atomicSave(file, text.replace("\nThis example site", `\n${marker}. This example site`));
  await page.waitForFunction((text) => document.body.innerText.includes(text), marker, { timeout: PATIENCE });
  // The rebuild's line comes once all of it is done, the search index included.
  const deadline = Date.now() + PATIENCE;
  while (rebuilds() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const line = server.transcript.filter((l) => l.startsWith("rebuilt in ")).at(-1);
  assert.match(line, /after content\/about\.md changed \(the page shown after \d+ ms\): 1 page rendered, 2 files written/);
  assert.match(readFileSync(path.join(site.dir, "site/search-index.js"), "utf8"), new RegExp(marker));
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "updated in place, not reloaded");
  assert.deepEqual(statuses, [200], "no navigation after the first");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a note's edit swaps in that note alone; the rest of the guide page stays as it was", async () => {
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}upgrades/`);
  const file = path.join(site.dir, NOTE);
  const edited = "0-28-x-resource-precision";
  const other = "0-28-x-reservation-acls";
  const count = (selector) => page.locator(selector).count();
  const blocks = await count(".content pre.highlight");
  const pagerLinks = await count("[data-pager] a");
  assert.ok(blocks > 0 && pagerLinks > 0, "the guide page has code blocks and a pager");
  for (const round of [1, 2]) {
    // Marks on the live DOM: a node swapped in from the server has none.
    await page.evaluate(([a, b]) => {
      document.getElementById(a).__mark = true;
      document.getElementById(b).__mark = true;
      document.querySelector(".content").__mark = true;
    }, [edited, other]);
    const marker = `Note swap marker ${round} ${Date.now()}`;
    atomicSave(file, readFileSync(file, "utf8") + `\n${marker}\n`);
    await page.waitForFunction((text) => document.body.innerText.includes(text), marker, { timeout: PATIENCE });
    const marks = await page.evaluate(([a, b]) => [
      document.getElementById(a).__mark === true,
      document.getElementById(b).__mark === true,
      document.querySelector(".content").__mark === true,
    ], [edited, other]);
    // The first edit may come before the page kept its served copy (then all of it is swapped).
    if (round === 2) assert.deepEqual(marks, [false, true, true], "only the edited note was swapped in");
    else assert.equal(marks[0], false, "the edited note is new");
    assert.equal(await count(".content pre.highlight"), blocks);
    assert.equal(await count(".content .copy-button"), blocks, "one copy button per block");
    assert.equal(await count("[data-pager] a"), pagerLinks, "the pager filled once");
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("a change to the config reloads the open pages", async () => {
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}upgrades/`);
  await page.evaluate(() => { window.__sameDocument = true; });
  const config = path.join(site.dir, "upnotes.yaml");
  const original = readFileSync(config, "utf8");
  const title = `Renamed ${Date.now()}`;
  atomicSave(config, original.replace(/^title: .*$/m, `title: ${title}`));
  await page.waitForFunction((t) => document.querySelector(".site-title")?.textContent === t, title, {
    timeout: PATIENCE,
  });
  assert.equal(await page.evaluate(() => window.__sameDocument), undefined, "the page reloaded");
  atomicSave(config, original);
  await page.waitForFunction((t) => document.querySelector(".site-title")?.textContent !== t, title, {
    timeout: PATIENCE,
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a broken note shows the located error as an overlay, escaped; fixing it clears it", async () => {
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}upgrades/0.28.x/`);
  const title = await page.textContent("h1");
  const file = path.join(site.dir, NOTE);
  const good = readFileSync(file, "utf8");

  atomicSave(file, "---\ntitle: [<img src=x onerror=\"window.__injected=1\">\n---\nBroken.\n");
  const overlay = page.locator("#upnotes-error-overlay");
  await overlay.waitFor({ state: "visible", timeout: PATIENCE });
  const text = await overlay.locator("pre").innerText();
  assert.match(text, /content\/upgrades\/0\.28\.x\/resource-precision\.md:2:\d+: error: /);
  assert.ok(text.includes('<img src=x onerror="window.__injected=1">'), "the source line is shown as text");
  assert.equal(await overlay.locator("img").count(), 0, "no markup from the error is rendered");
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.equal(await page.textContent("h1"), title, "the last good page stays");

  // A page opened while the site is broken shows the overlay at once.
  const other = await browser.context.newPage();
  await other.goto(baseUrl);
  await other.locator("#upnotes-error-overlay").waitFor({ state: "visible", timeout: PATIENCE });
  await other.close();

  const marker = `Fixed marker ${Date.now()}`;
  atomicSave(file, good + `\n${marker}\n`);
  await page.waitForFunction((m) => document.body.innerText.includes(m), marker, { timeout: PATIENCE });
  assert.equal(await overlay.count(), 0, "the overlay is gone");
  assert.deepEqual(errors, []);
  await page.close();
});
