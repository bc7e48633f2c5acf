/* Sort, filter and search for the tables of a tierlang report. Plain DOM, no library, no
   network: the page works without it (every row is in the HTML), this only adds controls.
   A table opts in with data-sortable (click a header to sort) and data-search (a search box,
   and a choice list for each header marked data-filter). A cell may carry data-value, the
   value it sorts by (numbers as plain digits). */
(function () {
  "use strict";

  function text(cell) {
    return cell ? cell.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function key(cell, numeric) {
    var raw = cell ? cell.getAttribute("data-value") : null;
    if (raw === null) raw = text(cell);
    if (!numeric) return raw.toLowerCase();
    var n = parseFloat(raw.replace(/[,%\s]/g, ""));
    return isNaN(n) ? null : n;
  }

  function enhance(table, index) {
    var body = table.tBodies[0];
    var head = table.tHead && table.tHead.rows[0];
    if (!body || !head) return;
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(head.cells);
    var haystack = rows.map(function (r) { return text(r).toLowerCase(); });
    var count = null;

    heads.forEach(function (th, col) {
      if (th.hasAttribute("data-nosort")) return;
      var numeric = th.classList.contains("num");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var keyed = rows.map(function (r, i) { return [key(r.cells[col], numeric), i, r]; });
        keyed.sort(function (a, b) {
          // empty values last in both directions; ties keep the report's order
          if (a[0] === null || a[0] === "") return b[0] === null || b[0] === "" ? a[1] - b[1] : 1;
          if (b[0] === null || b[0] === "") return -1;
          var c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
          return (ascending ? c : -c) || a[1] - b[1];
        });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (k) { frag.appendChild(k[2]); });
        body.appendChild(frag);
      });
    });

    if (!table.hasAttribute("data-search")) return;
    var tools = document.createElement("div");
    tools.className = "table-tools";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = table.getAttribute("data-search") || "Search";
    search.setAttribute("aria-label", search.placeholder);
    tools.appendChild(search);
    var filters = [];
    heads.forEach(function (th, col) {
      if (!th.hasAttribute("data-filter")) return;
      var values = {};
      rows.forEach(function (r) { values[text(r.cells[col])] = true; });
      var select = document.createElement("select");
      var label = text(th);
      select.setAttribute("aria-label", label);
      var all = document.createElement("option");
      all.value = "";
      all.textContent = label + ": all";
      select.appendChild(all);
      Object.keys(values).sort().forEach(function (v) {
        var o = document.createElement("option");
        o.value = v;
        o.textContent = v;
        select.appendChild(o);
      });
      tools.appendChild(select);
      filters.push([col, select]);
    });
    count = document.createElement("span");
    count.className = "count";
    count.setAttribute("aria-live", "polite");
    tools.appendChild(count);
    var box = table.closest(".table-wrap") || table;
    box.parentNode.insertBefore(tools, box);

    function apply() {
      var q = search.value.toLowerCase().trim();
      var shown = 0;
      rows.forEach(function (r, i) {
        var ok = !q || haystack[i].indexOf(q) >= 0;
        for (var f = 0; ok && f < filters.length; f++) {
          var want = filters[f][1].value;
          ok = !want || text(r.cells[filters[f][0]]) === want;
        }
        r.hidden = !ok;
        if (ok) shown++;
      });
      var total = rows.length.toLocaleString("en") + (rows.length === 1 ? " row" : " rows");
      count.textContent = shown === rows.length ? total : shown.toLocaleString("en") + " of " + total;
    }
    search.addEventListener("input", apply);
    filters.forEach(function (f) { f[1].addEventListener("change", apply); });
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), enhance);

  // A link into a closed <details> (a rule, a source line) opens it.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    if (target) target.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
