// upnotes serve: live reload and the build error overlay. The dev server adds this script to the HTML
// pages it serves (never to the files `upnotes build` writes). It listens to /__upnotes/events:
// each event carries the generation of the last good build and the errors of the last rebuild.
(() => {
  "use strict";
  const script = document.currentScript;
  const loaded = script ? script.dataset.generation : "";
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

  function showErrors(text) {
    let overlay = document.getElementById(OVERLAY_ID);
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = OVERLAY_ID;
      overlay.setAttribute("role", "alert");
      Object.assign(overlay.style, {
        position: "fixed", inset: "0", zIndex: "2147483647", overflow: "auto",
        background: "rgba(20, 20, 24, 0.94)", color: "#f3f3f3", padding: "2rem",
        font: "14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      });
      const title = document.createElement("h2");
      title.textContent = "upnotes: the last rebuild failed";
      Object.assign(title.style, { color: "#ff8a80", font: "bold 18px/1.4 system-ui, sans-serif", margin: "0 0 0.5rem" });
      const note = document.createElement("p");
      note.textContent = "This page shows the last good build. Fix the file and it reloads by itself.";
      Object.assign(note.style, { margin: "0 0 1rem", font: "14px/1.4 system-ui, sans-serif" });
      const pre = document.createElement("pre");
      Object.assign(pre.style, { whiteSpace: "pre-wrap", margin: "0" });
      overlay.append(title, note, pre);
      document.body.append(overlay);
    }
    // textContent: error messages quote sources, which may hold markup.
    overlay.querySelector("pre").textContent = text;
  }

  function hideErrors() {
    document.getElementById(OVERLAY_ID)?.remove();
  }

  const events = new EventSource("/__upnotes/events");
  events.addEventListener("status", (event) => {
    const status = JSON.parse(event.data);
    if (status.errors) {
      showErrors(status.errors);
    } else if (status.generation !== loaded) {
      reload();
    } else {
      hideErrors();
    }
  });
})();
