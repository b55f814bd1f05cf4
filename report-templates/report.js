/* bollwerk HTML report: optional filtering and print helpers. The page is complete without it. */
(function () {
  "use strict";
  var bar = document.getElementById("filters");
  var rules = Array.prototype.slice.call(document.querySelectorAll("details.rule"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".rule-group"));
  var text = document.getElementById("filter-text");
  var count = document.getElementById("filter-count");
  var buttons = bar ? Array.prototype.slice.call(bar.querySelectorAll("button[data-filter]")) : [];
  var current = "all";

  function wanted(rule) {
    var status = rule.getAttribute("data-status");
    var byStatus = current === "all" ||
      (current === "problems" ? status === "fail" || status === "error" : status === current);
    var query = text ? text.value.trim().toLowerCase() : "";
    return byStatus && (query === "" || (rule.getAttribute("data-search") || "").indexOf(query) !== -1);
  }

  function apply() {
    var shown = 0;
    rules.forEach(function (rule) {
      var on = wanted(rule);
      rule.hidden = !on;
      if (on) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector("details.rule:not([hidden])") === null;
    });
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-filter") === current ? "true" : "false");
    });
    if (count) { count.textContent = shown + " of " + rules.length + " rules shown"; }
  }

  function setOpen(open) {
    rules.forEach(function (rule) { if (!rule.hidden) { rule.open = open; } });
  }

  if (bar) {
    bar.hidden = false;
    buttons.forEach(function (b) {
      b.addEventListener("click", function () { current = b.getAttribute("data-filter"); apply(); });
    });
    if (text) { text.addEventListener("input", apply); }
    document.getElementById("expand-all").addEventListener("click", function () { setOpen(true); });
    document.getElementById("collapse-all").addEventListener("click", function () { setOpen(false); });
    apply();
  }

  // Printing shows everything, unfolded; the screen state comes back afterwards.
  var reopened = [];
  var before = null;
  window.addEventListener("beforeprint", function () {
    before = { filter: current, text: text ? text.value : "" };
    current = "all";
    if (text) { text.value = ""; }
    apply();
    reopened = Array.prototype.slice.call(document.querySelectorAll("details:not([open])"));
    reopened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
    if (before) {
      current = before.filter;
      if (text) { text.value = before.text; }
      before = null;
      apply();
    }
  });
}());
