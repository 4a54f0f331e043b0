/* The upgrade path view: keep the notes of the versions after FROM up to TO, hide the rest.
   The choice lives in the URL (?from=..&to=..), so it can be shared; without this script the page
   simply lists everything. */
(function () {
  "use strict";
  var view = document.querySelector("[data-path-view]");
  if (!view) { return; }
  var form = view.querySelector("[data-path-form]");
  var fromSelect = view.querySelector("[data-path-from]");
  var toSelect = view.querySelector("[data-path-to]");
  var summary = view.querySelector("[data-path-summary]");

  function indexOf(select) {
    var option = select.options[select.selectedIndex];
    return option ? parseInt(option.getAttribute("data-index"), 10) : -1;
  }

  function choose(select, name) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === name) { select.selectedIndex = i; return true; }
    }
    return false;
  }

  function readUrl() {
    var params = {};
    location.search.replace(/^\?/, "").split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts[0]) { params[decodeURIComponent(parts[0])] = decodeURIComponent((parts[1] || "").replace(/\+/g, " ")); }
    });
    return params;
  }

  function writeUrl() {
    var query = "?from=" + encodeURIComponent(fromSelect.value) + "&to=" + encodeURIComponent(toSelect.value);
    try { history.replaceState(null, "", query + location.hash); } catch (e) { /* file:// in some browsers */ }
  }

  function apply() {
    var from = indexOf(fromSelect);
    var to = indexOf(toSelect);
    var shown = 0;
    var items = view.querySelectorAll("[data-version-index]");
    for (var i = 0; i < items.length; i++) {
      var index = parseInt(items[i].getAttribute("data-version-index"), 10);
      var inside = index > from && index <= to;
      items[i].hidden = !inside;
      if (inside && items[i].classList.contains("path-entry")) { shown++; }
    }
    var groups = view.querySelectorAll("[data-path-group]");
    for (var g = groups.length - 1; g >= 0; g--) {
      groups[g].hidden = !groups[g].querySelector("[data-version-index]:not([hidden])");
    }
    if (to <= from) {
      summary.textContent = "Choose a target version newer than " + fromSelect.value + ".";
    } else {
      summary.textContent = "Upgrading from " + fromSelect.value + " to " + toSelect.value + ": " +
        shown + (shown === 1 ? " note" : " notes") + ", then the procedure of each version in between.";
    }
  }

  var params = readUrl();
  if (params.from) { choose(fromSelect, params.from); }
  if (params.to) { choose(toSelect, params.to); }
  form.addEventListener("submit", function (event) { event.preventDefault(); writeUrl(); apply(); });
  fromSelect.addEventListener("change", function () { writeUrl(); apply(); });
  toSelect.addEventListener("change", function () { writeUrl(); apply(); });
  apply();
}());
