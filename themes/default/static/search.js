/* Site search: a box in the header, the index (search-index.js, written by the build) loaded by a
   classic script on first use, so it works from file:// too. Keyboard: "/" focuses the box,
   arrows move, Enter opens, Escape closes. */
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  if (!box) { return; }
  var html = document.documentElement;
  var root = html.getAttribute("data-root") || "./";
  var indexFile = html.getAttribute("data-index-file") || "";
  var MAX_RESULTS = 20;
  var KIND_LABEL = { page: "Page", version: "Version", note: "Note" };

  var input = document.createElement("input");
  input.type = "search";
  input.className = "search-input";
  input.placeholder = "Search";
  input.setAttribute("aria-label", "Search the documentation");
  input.setAttribute("autocomplete", "off");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", "search-results");
  var list = document.createElement("ul");
  list.id = "search-results";
  list.className = "search-results";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  box.appendChild(input);
  box.appendChild(list);

  var docs = null;      // [{kind, title, url, context, text, hay, titleLower}]
  var loading = false;
  var results = [];
  var active = -1;

  function load(then) {
    if (docs) { then(); return; }
    if (window.UPNOTES_SEARCH) { prepare(); then(); return; }
    if (loading) { return; }
    loading = true;
    var script = document.createElement("script");
    script.src = root + "search-index.js";
    script.onload = function () { prepare(); then(); };
    script.onerror = function () { loading = false; show([], "The search index could not be loaded."); };
    document.head.appendChild(script);
  }

  function prepare() {
    docs = (window.UPNOTES_SEARCH || []).map(function (e) {
      return {
        kind: e[0], title: e[1], url: e[2], context: e[3], text: e[4],
        titleLower: e[1].toLowerCase(),
        contextLower: e[3].toLowerCase(),
        textLower: e[4].toLowerCase()
      };
    });
  }

  function href(url) {
    var hash = url.indexOf("#");
    var path = hash < 0 ? url : url.slice(0, hash);
    var fragment = hash < 0 ? "" : url.slice(hash);
    if (path === "" || path.charAt(path.length - 1) === "/") { path += indexFile; }
    return root + encodeURI(path) + fragment;
  }

  function score(doc, terms) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var term = terms[i];
      var s = 0;
      var at = doc.titleLower.indexOf(term);
      if (at === 0) { s += 12; } else if (at > 0) { s += 8; }
      if (doc.contextLower.indexOf(term) >= 0) { s += 3; }
      if (doc.textLower.indexOf(term) >= 0) { s += 1; }
      if (s === 0) { return 0; }
      total += s;
    }
    if (doc.kind === "note") { total += 0.5; }
    return total;
  }

  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) { return []; }
    var found = [];
    for (var i = 0; i < docs.length; i++) {
      var s = score(docs[i], terms);
      if (s > 0) { found.push({ doc: docs[i], score: s, order: i }); }
    }
    found.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return found.slice(0, MAX_RESULTS).map(function (f) { return f.doc; });
  }

  function snippet(doc, terms) {
    var text = doc.text;
    var at = -1;
    for (var i = 0; i < terms.length && at < 0; i++) { at = doc.textLower.indexOf(terms[i]); }
    var start = Math.max(0, at - 40);
    var cut = text.slice(start, start + 140);
    return (start > 0 ? "…" : "") + cut + (start + 140 < text.length ? "…" : "");
  }

  function show(found, message) {
    results = found;
    active = found.length ? 0 : -1;
    list.textContent = "";
    var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (message || !found.length) {
      var empty = document.createElement("li");
      empty.className = "search-empty";
      empty.textContent = message || "No results for “" + input.value.trim() + "”";
      list.appendChild(empty);
    }
    found.forEach(function (doc, i) {
      var item = document.createElement("li");
      item.id = "search-result-" + i;
      item.setAttribute("role", "option");
      var link = document.createElement("a");
      link.href = href(doc.url);
      var title = document.createElement("span");
      title.className = "search-title";
      title.textContent = doc.title;
      var kind = document.createElement("span");
      kind.className = "search-kind search-kind-" + doc.kind;
      kind.textContent = KIND_LABEL[doc.kind] || doc.kind;
      var context = document.createElement("span");
      context.className = "search-context";
      context.textContent = doc.context;
      var text = document.createElement("span");
      text.className = "search-snippet";
      text.textContent = snippet(doc, terms);
      link.appendChild(kind);
      link.appendChild(title);
      if (doc.context) { link.appendChild(context); }
      if (doc.text) { link.appendChild(text); }
      link.addEventListener("click", close);
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight();
  }

  function highlight() {
    var items = list.querySelectorAll("[role=option]");
    for (var i = 0; i < items.length; i++) {
      var on = i === active;
      items[i].classList.toggle("active", on);
      items[i].setAttribute("aria-selected", on ? "true" : "false");
      if (on && items[i].scrollIntoView) { items[i].scrollIntoView({ block: "nearest" }); }
    }
    if (active >= 0) { input.setAttribute("aria-activedescendant", "search-result-" + active); }
    else { input.removeAttribute("aria-activedescendant"); }
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function update() {
    var query = input.value.trim();
    if (!query) { close(); return; }
    load(function () { if (input.value.trim() === query) { show(search(query)); } });
  }

  input.addEventListener("input", update);
  input.addEventListener("focus", function () { load(function () {}); if (input.value.trim()) { update(); } });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && results.length) {
      active = (active + 1) % results.length; highlight(); event.preventDefault();
    } else if (event.key === "ArrowUp" && results.length) {
      active = (active - 1 + results.length) % results.length; highlight(); event.preventDefault();
    } else if (event.key === "Enter" && active >= 0 && results[active]) {
      event.preventDefault();
      close();
      window.location.href = href(results[active].url);
    } else if (event.key === "Escape") {
      close(); input.blur();
    }
  });
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((event.target && event.target.tagName) || "");
    if (!typing && (event.key === "/" || ((event.ctrlKey || event.metaKey) && event.key === "k"))) {
      event.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) { close(); }
  });
}());
