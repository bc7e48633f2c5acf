/* Search for the program guide: a box in the contents that shows only the tracks, and the
   rows of the other tables, that mention what is typed. Plain DOM, no library, no network;
   without it the guide reads the same (nothing is hidden to begin with). */
(function () {
  "use strict";
  var nav = document.querySelector("#contents");
  if (!nav) return;
  var tracks = Array.prototype.slice.call(document.querySelectorAll("details.track"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("main section:not(.tracks) tbody tr"));
  var texts = tracks.map(function (t) { return t.textContent.toLowerCase(); });
  var rowTexts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  var box = document.createElement("div");
  box.className = "guide-search";
  var input = document.createElement("input");
  input.type = "search";
  input.placeholder = "Search the guide";
  input.setAttribute("aria-label", "Search the guide");
  var count = document.createElement("span");
  count.className = "count";
  count.setAttribute("aria-live", "polite");
  box.appendChild(input);
  box.appendChild(count);
  nav.insertBefore(box, nav.firstChild);
  var opened = tracks.map(function (t) { return t.open; });

  input.addEventListener("input", function () {
    var q = input.value.toLowerCase().trim();
    var shown = 0;
    tracks.forEach(function (t, i) {
      var hit = !q || texts[i].indexOf(q) >= 0;
      t.hidden = !hit;
      if (q && hit) t.open = true;
      if (!q) t.open = opened[i];
      if (hit) shown++;
    });
    rows.forEach(function (r, i) { r.hidden = !!q && rowTexts[i].indexOf(q) < 0; });
    Array.prototype.forEach.call(document.querySelectorAll("section.tracks"), function (s) {
      s.hidden = !!q && !s.querySelector("details.track:not([hidden])");
    });
    count.textContent = q ? shown + " of " + tracks.length + (tracks.length === 1 ? " track" : " tracks") : "";
  });

  // A link into a closed track opens it.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    for (var el = id && document.getElementById(id); el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
