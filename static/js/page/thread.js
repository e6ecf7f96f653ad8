// Page client: a feedback thread beside an entry (templates/feedback/_thread.html) also shows
// the comments this device has pulled that the page does not hold. Pulls keep feedback as
// read-only records of kind "feedback" in `records`; a page served from the worker's cache
// offline (or the note's offline edit form, whose empty thread the worker gives the note's id)
// therefore still shows what arrived at the last pull. Comments and replies are posted online
// (an htmx post; with no connection app.js says so and the text stays in the field).
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;
  var ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  function item(id, data) {
    var li = document.createElement("li");
    li.className = "comment" + (data.by_owner ? " reply" : "");
    li.setAttribute("data-feedback-id", id);
    var meta = document.createElement("p"), who = document.createElement("strong");
    meta.className = "meta";
    who.textContent = data.author_name || "";
    meta.appendChild(who);
    var day = kx.format.day(String(data.created_at || "").slice(0, 10));
    meta.appendChild(document.createTextNode((data.by_owner ? " (reply)" : " (team lead)") + (day ? " · " + day : "")));
    var body = document.createElement("p");
    body.className = "pre";
    body.textContent = data.body || "";
    li.appendChild(meta);
    li.appendChild(body);
    return li;
  }

  function fill(section, pulled) {
    var parts = (section.getAttribute("data-thread") || "").split(":");
    var kind = parts[0], id = parts[1], list = kx.$("[data-thread-items]", section);
    if (!list || !ID.test(id || "")) return;
    var shown = {};
    kx.$all("[data-feedback-id]", list).forEach(function (li) { shown[li.getAttribute("data-feedback-id")] = true; });
    var added = pulled.filter(function (r) {
      var d = r.data || {};
      return d.parent_kind === kind && d.parent_id === id && !shown[r.id];
    });
    if (!added.length) return;
    added.sort(function (a, b) { return String(a.data.created_at) < String(b.data.created_at) ? -1 : 1; });
    added.forEach(function (r) { list.appendChild(item(r.id, r.data)); });
    var empty = kx.$("[data-thread-empty]", section);
    if (empty) empty.hidden = true;
    section.hidden = false;
  }

  function render() {
    var sections = kx.$all("[data-thread]");
    if (!sections.length || !kx.owner || !window.indexedDB) return Promise.resolve();
    return S.tx(["records"], "readonly", function (t) { return S.all(t.objectStore("records")); })
      .then(function (rows) {
        var pulled = rows.filter(function (r) { return r.kind === "feedback" && !r.deleted; });
        sections.forEach(function (section) { fill(section, pulled); });
      })
      .catch(function () { /* no store on this device yet: the page shows what it has */ });
  }

  document.addEventListener("DOMContentLoaded", render);
  window.kxSync.on(function (detail) { if (detail && detail.type === "synced") render(); });
  kx.thread = { render: render };
})();
