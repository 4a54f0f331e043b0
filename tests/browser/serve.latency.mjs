// Edit-to-reload latency of `upnotes serve`, measured the way a writer sees it: from the moment an
// editor's atomic save lands to the moment headless Chromium has loaded the reloaded page showing
// the new text. Not a test (node --test skips this file); run by hand:
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
const started = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("serve did not start")), 600_000);
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
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
try {
  for (let run = 0; run < Number(args.runs); run++) {
    const marker = `latency-marker-${run}-${Date.now()}`;
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
    writeFileSync(temp, `${original}\n${marker}\n`);
    const reloaded = waitForText(marker);
    const t0 = performance.now();
    renameSync(temp, file);
    await reloaded;
    latencies.push(performance.now() - t0);
    // Let the watcher go quiet so runs do not overlap.
    await new Promise((r) => setTimeout(r, 300));
  }
} finally {
  child.kill();
  await browser.close();
  site.cleanup();
}

/** Resolves at the first page load whose document contains `text`. */
function waitForText(text) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reload showed ${text}`)), 120_000);
    const onLoad = async () => {
      const html = await page.content().catch(() => "");
      if (html.includes(text)) {
        clearTimeout(timer);
        page.off("load", onLoad);
        resolve();
      }
    };
    page.on("load", onLoad);
  });
}

const sorted = [...latencies].sort((a, b) => a - b);
const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
const rebuilds = lines.filter((l) => l.startsWith("rebuilt in")).map((l) => Number(/in (\d+) ms/.exec(l)[1]));
const rebuildSorted = rebuilds.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    root: args.root,
    file: args.file,
    runs: latencies.length,
    first_build_ms: firstBuild,
    rebuild_ms_p50: rebuildSorted[Math.floor(rebuildSorted.length / 2)],
    latency_ms: { p50: at(0.5), p95: at(0.95), max: Math.round(sorted.at(-1)) },
  }),
);
