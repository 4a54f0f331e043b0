// Edit-to-page latency of `upnotes serve`, measured the way a writer sees it: from the moment an
// editor's atomic save lands to the moment the page open in headless Chromium shows the new text
// (updated in place, or reloaded when the edit changed more than the page). Not a test (node --test skips this file); run by hand:
//
//   node tests/browser/serve.latency.mjs --root SITE --file content/a/b.md --page a/b/ [--runs 30]
//
// --root: a site (it is copied to a temporary folder first); --file: the Markdown file to edit;
// --page: the page to watch, relative to the site's base path. Prints one JSON line with the
// first build time and p50/p95/max of the latencies in milliseconds.
import { spawn } from "node:child_process";
import { cpSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { launch, tempDir, upnotesBin } from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    root: { type: "string" },
    file: { type: "string" },
    page: { type: "string", default: "" },
    runs: { type: "string", default: "30" },
  },
});
if (!args.root || !args.file) {
  console.error("usage: serve.latency.mjs --root SITE --file CONTENT_FILE --page PAGE_PATH [--runs N]");
  process.exit(2);
}

const site = tempDir("upnotes-latency-");
cpSync(args.root, site.dir, { recursive: true, filter: (src) => !/[\\/](site|target)$/.test(src) });
const child = spawn(upnotesBin, ["serve", "--port", "0"], { cwd: site.dir, stdio: ["ignore", "pipe", "inherit"] });
const lines = [];
// When each line arrived (performance.now()), to split the latency into phases.
const lineTimes = [];
const started = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("serve did not start")), 600_000);
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    lineTimes.push(performance.now());
    const match = /^serving (http:\/\/\S+)/.exec(line);
    if (match) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
});
const firstBuild = Number(/in (\d+) ms/.exec(lines.find((l) => l.startsWith("built ")) ?? "")?.[1]);

const browser = await launch();
const page = await browser.context.newPage();
await page.goto(started + args.page);
const file = path.join(site.dir, args.file);
const original = readFileSync(file, "utf8");
const latencies = [];
// Per run, milliseconds after the save: the "rebuilt" line, the page's reload request and its
// DOMContentLoaded (when it reloaded rather than updated in place), and the new text shown (painted).
const phases = { rebuilt: [], request: [], domcontentloaded: [], shown: [] };
let marks = {};
page.on("request", (request) => {
  if (request.isNavigationRequest() && marks.request === undefined) marks.request = performance.now();
});
page.on("domcontentloaded", () => {
  if (marks.request !== undefined && marks.domcontentloaded === undefined) marks.domcontentloaded = performance.now();
});
try {
  for (let run = 0; run < Number(args.runs); run++) {
    const marker = `latency-marker-${run}-${Date.now()}`;
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
    writeFileSync(temp, `${original}\n${marker}\n`);
    await watchForText(marker);
    const shownAt = shownTime(marker);
    marks = {};
    const before = lines.length;
    const t0 = performance.now();
    const savedAt = Date.now();
    renameSync(temp, file);
    const seenAt = await shownAt;
    // In the page's own time when it updated in place (see watchForText), else when this
    // process saw the reloaded page show it.
    const t1 = seenAt === null ? performance.now() : t0 + (seenAt - savedAt);
    latencies.push(t1 - t0);
    const rebuiltAt = lineTimes.slice(before).find((_, i) => lines[before + i].startsWith("rebuilt in"));
    if (rebuiltAt !== undefined) phases.rebuilt.push(rebuiltAt - t0);
    if (marks.request !== undefined) phases.request.push(marks.request - t0);
    if (marks.domcontentloaded !== undefined) phases.domcontentloaded.push(marks.domcontentloaded - t0);
    phases.shown.push(t1 - t0);
    // Let the watcher go quiet so runs do not overlap.
    await new Promise((r) => setTimeout(r, 300));
  }
} finally {
  child.kill();
  await browser.close();
  site.cleanup();
}

/**
 * Has the open page watch for `text` (see shownTime). The page watches its own DOM with a
 * MutationObserver and notes the time at the first frame after the text appears, so measuring
 * costs the page nothing until then: polling `innerText` every few milliseconds lays out the whole
 * page (its navigation holds thousands of links) each time, and on a slow machine that held up the
 * update being measured.
 */
async function watchForText(text) {
  await page.evaluate((t) => {
    window.__latency = new Promise((resolve) => {
      const seen = () => document.body.textContent.includes(t);
      const done = () => requestAnimationFrame(() => resolve(Date.now()));
      if (seen()) return done();
      const observer = new MutationObserver(() => {
        if (!seen()) return;
        observer.disconnect();
        done();
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    });
  }, text);
}

/**
 * The wall-clock time (ms) at which the page watching for `text` had it painted, or null when the
 * page reloaded instead (then once the new page shows it).
 */
function shownTime(text) {
  return page.evaluate(() => window.__latency).catch(async () => {
    await page.waitForFunction((t) => document.body?.textContent.includes(t), text, {
      polling: "raf",
      timeout: 120_000,
    });
    return null;
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.floor(s.length / 2)]) : null;
}

const sorted = [...latencies].sort((a, b) => a - b);
const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
const rebuilds = lines.filter((l) => l.startsWith("rebuilt in")).map((l) => Number(/in (\d+) ms/.exec(l)[1]));
const rebuildSorted = rebuilds.sort((a, b) => a - b);
// How long after the start of its rebuild an edited page was written and shown (serve shows a
// page whose body alone changed before the rest of the rebuild runs).
const shownAfter = lines
  .filter((l) => l.startsWith("rebuilt in"))
  .map((l) => /the page shown after (\d+) ms/.exec(l))
  .filter(Boolean)
  .map((m) => Number(m[1]));
console.log(
  JSON.stringify({
    root: args.root,
    file: args.file,
    runs: latencies.length,
    first_build_ms: firstBuild,
    rebuild_ms_p50: rebuildSorted[Math.floor(rebuildSorted.length / 2)],
    shown_early: shownAfter.length,
    shown_after_ms_p50: median(shownAfter),
    latency_ms: { p50: at(0.5), p95: at(0.95), max: Math.round(sorted.at(-1)) },
    // Medians of when each step happened, in milliseconds after the save.
    phases_ms_p50: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)])),
  }),
);
