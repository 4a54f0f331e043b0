// upnotes serve: live reload and the build error overlay. The dev server adds this script to the HTML
// pages it serves (never to the files `upnotes build` writes). It listens to /__upnotes/events:
// each event carries the generation of the last good build, the errors of the last rebuild, and the
// output files that build changed since the generation before it.
//
// After a good rebuild the open page reloads, unless the rebuild only changed other pages and data
// files the page has not loaded (then it stays as it is), or only those and this page itself: then
// the page fetches itself and swaps its `[data-upnotes-live]` elements in place, which is much
// quicker than a reload (no scripts, styles or navigation to load and run again) and keeps the
// scroll position. The theme's scripts hear `upnotes:updated` on `document` to set up the new
// content.
(() => {
  "use strict";
  const script = document.currentScript;
  let loaded = script ? script.dataset.generation : "";
  // Files a page does not load when it opens: other pages, and data fetched on demand.
  const ON_DEMAND = /(\.html|(^|\/)(sitemap\.xml|feed\.xml|robots\.txt|changes\.json|changes\.svg))$/;
  const LIVE = "[data-upnotes-live]";
  const scrollKey = "upnotes-scroll:" + location.pathname;
  const OVERLAY_ID = "upnotes-error-overlay";

  // Keep the reader where they were across a reload.
  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const y = Number(saved);
    // "instant": a theme with `scroll-behavior: smooth` would otherwise animate from the top.
    const restore = () => window.scrollTo({ top: y, behavior: "instant" });
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore, { once: true });
  }

  function reload() {
    sessionStorage.setItem(scrollKey, String(window.scrollY));
    location.reload();
  }

  /** This page's output file, relative to the output folder (`a/b/index.html`). */
  function ownFile(prefix) {
    let path = decodeURIComponent(location.pathname);
    if (path.startsWith(prefix)) path = path.slice(prefix.length);
    return path === "" || path.endsWith("/") ? path + "index.html" : path;
  }

  /** What a good rebuild means for this page: "stay", "update" or "reload". */
  function effect(status) {
    if (!Array.isArray(status.changed)) return "reload";
    let changed = status.changed;
    // The server sends only its latest status: a page may have missed the one that announced the
    // files a rebuild wrote and showed early, before the rest of it.
    if (status.since !== loaded) {
      if (status.earlier?.since !== loaded) return "reload";
      changed = changed.concat(status.earlier.changed);
    }
    const own = ownFile(status.prefix || "/");
    let update = false;
    for (const file of changed) {
      if (file === own) update = true;
      // The search index counts only once this page has loaded it.
      else if (file.endsWith("search-index.js") ? window.UPNOTES_SEARCH : !ON_DEMAND.test(file)) return "reload";
    }
    return update ? "update" : "stay";
  }

  // While the page updates itself, a newer status waits here: judged against the generation the
  // page is still at, it would reload the page (serve shows an edited page first, then announces
  // the site-wide files of the same rebuild right after).
  let updating = false;
  let waiting = null;

  // This page's live parts as served, before the theme's scripts changed them (they wrap code
  // blocks, fill the pager): an update compares the new version with these, and when only some
  // notes differ, swaps in those notes alone. The browser then lays out one note, not a whole
  // guide page of them.
  let pristine = null;

  /** The page at `location` as the server sends it now, parsed. */
  async function fetchPage() {
    const response = await fetch(location.href, { cache: "no-store" });
    if (!response.ok) throw new Error(`status ${response.status}`);
    return new DOMParser().parseFromString(await response.text(), "text/html");
  }

  /** The generation a fetched page was served at. */
  function generationOf(page) {
    return page.querySelector("script[data-generation]")?.dataset.generation;
  }

  // Once the page is idle, fetch it again to keep its live parts as served, if nothing was
  // rebuilt meanwhile (a newer version would not be what the page shows).
  const keepPristine = async () => {
    try {
      const page = await fetchPage();
      if (!pristine && !updating && generationOf(page) === loaded) pristine = Array.from(page.querySelectorAll(LIVE));
    } catch {
      // Without it, the next update swaps the whole live parts.
    }
  };
  if ("requestIdleCallback" in window) requestIdleCallback(keepPristine, { timeout: 2000 });
  else setTimeout(keepPristine, 500);

  /**
   * The ids of the notes (`article.note[id]`) that differ between two versions of one live part,
   * when they are all that differs; null otherwise.
   */
  function changedNotes(before, after) {
    const trial = before.cloneNode(true);
    const notes = new Map(Array.from(trial.querySelectorAll("article.note[id]"), (n) => [n.id, n]));
    const ids = [];
    for (const note of after.querySelectorAll("article.note[id]")) {
      const old = notes.get(note.id);
      if (!old) return null;
      if (!old.isEqualNode(note)) {
        old.replaceWith(note.cloneNode(true));
        ids.push(note.id);
      }
    }
    return trial.isEqualNode(after) ? ids : null;
  }

  /** Puts the live part `next` in place of `part`: only its changed notes when it can. */
  function swap(part, before, next) {
    const ids = before ? changedNotes(before, next) : null;
    const targets = ids?.map((id) => document.getElementById(id));
    if (!ids || targets.some((t) => !t || !part.contains(t) || !t.matches("article.note"))) {
      part.replaceWith(document.adoptNode(next));
      return;
    }
    const fresh = new Map(Array.from(next.querySelectorAll("article.note[id]"), (n) => [n.id, n]));
    targets.forEach((target, i) => target.replaceWith(document.adoptNode(fresh.get(ids[i]))));
  }

  /** Swaps this page's live parts for those of its new version; reloads when that cannot be done. */
  async function update(generation) {
    updating = true;
    try {
      const next = await fetchPage();
      const from = next.querySelectorAll(LIVE);
      const to = document.querySelectorAll(LIVE);
      if (from.length === 0 || from.length !== to.length) return reload();
      const kept = Array.from(from, (part) => part.cloneNode(true));
      const before = pristine?.length === from.length ? pristine : null;
      to.forEach((part, i) => swap(part, before?.[i], from[i]));
      pristine = kept;
      document.title = next.title;
      loaded = generation;
      hideErrors();
      document.dispatchEvent(new CustomEvent("upnotes:updated"));
    } catch {
      return reload();
    }
    updating = false;
    const queued = waiting;
    waiting = null;
    if (queued) handle(queued);
  }

  function showErrors(text) {
    let host = document.getElementById(OVERLAY_ID);
    if (!host) {
      host = document.createElement("div");
      host.id = OVERLAY_ID;
      host.setAttribute("role", "alert");
      // A shadow root keeps the site's CSS (its `pre`, its colours) away from the overlay.
      const shadow = host.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = `
        :host { all: initial; position: fixed; inset: 0; z-index: 2147483647; overflow: auto;
          background: #16161a; color: #f3f3f3; padding: 2rem; box-sizing: border-box;
          font: 15px/1.5 system-ui, sans-serif; }
        button { float: right; font: inherit; color: inherit; background: #2c2c33; border: 1px solid #55555f;
          border-radius: 4px; padding: 0.2rem 0.8rem; cursor: pointer; }
        h2 { color: #ff8a80; font-size: 1.25rem; margin: 0 0 0.5rem; }
        p { margin: 0 0 1rem; color: #c8c8cc; }
        pre { white-space: pre-wrap; margin: 0; padding: 1rem; border-radius: 6px; background: #0c0c0e;
          color: #f3f3f3; font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }`;
      const title = document.createElement("h2");
      title.textContent = "upnotes: the last rebuild failed";
      const note = document.createElement("p");
      note.textContent = "This page shows the last good build. Fix the file and it reloads by itself.";
      const hide = document.createElement("button");
      hide.textContent = "Hide";
      hide.addEventListener("click", hideErrors);
      shadow.append(style, hide, title, note, document.createElement("pre"));
      document.body.append(host);
    }
    // textContent: error messages quote sources, which may hold markup.
    host.shadowRoot.querySelector("pre").textContent = text;
  }

  function hideErrors() {
    document.getElementById(OVERLAY_ID)?.remove();
  }

  function handle(status) {
    if (status.errors) {
      showErrors(status.errors);
    } else if (status.generation === loaded) {
      hideErrors();
    } else {
      const what = effect(status);
      if (what === "reload") reload();
      else if (what === "update") update(status.generation);
      else {
        loaded = status.generation;
        hideErrors();
      }
    }
  }

  const events = new EventSource("/__upnotes/events");
  events.addEventListener("status", (event) => {
    const status = JSON.parse(event.data);
    if (updating) waiting = status;
    else handle(status);
  });
})();
