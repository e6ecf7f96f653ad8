// Page client, part 5: what the person sees of the device's state. The sync status line
// (waiting, needs attention, last sync) and the entries still waiting, overlaid on lists.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore, Y = window.kxSync;

  // What render() cannot read from the store: the last failed attempt (the worker's flushes
  // report theirs by message) and another account's entries set aside on this phone.
  var seen = { failedAt: 0, aside: 0 };

  function note(detail) {
    if (detail.type === "error") seen.failedAt = detail.at || Date.now();
    if (detail.type === "synced") seen.failedAt = 0;
    if (detail.type === "aside") seen.aside = detail.count || 0;
  }

  function hhmm(at) {
    return new Date(at).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  // Change a node's words only when they change: a polite live region re-announces any write.
  function put(el, text) { if (el && el.textContent !== text) el.textContent = text; }

  // The one place that says where the person's work stands. "All saved" only when nothing
  // waits and nothing needs attention.
  function render() {
    var box = document.getElementById("sync-status");
    if (!box || !kx.owner) return Promise.resolve();
    return Promise.all([S.counts(), S.getMeta("last_sync")]).then(function (v) {
      var c = v[0], last = v[1], parts = [];
      var failedAt = seen.failedAt;
      if (Y.state.blocked) {
        parts.push("Sync stopped: the server says this phone's entries belong to another account. Nothing more is sent; they are kept here.");
      } else if (Y.state.signedOut && c.pending) {
        parts.push(kx.plural(c.pending, "entry is", "entries are") + " waiting. Sign in again to send them.");
      } else {
        if (c.pending) parts.push(kx.plural(c.pending, "entry", "entries") + " waiting to sync");
        else parts.push(c.attention || failedAt ? "Nothing waiting to sync" : "All saved to the server");
        if (failedAt) parts.push("Couldn't reach the server at " + hhmm(failedAt) + " — will try again");
      }
      if (seen.aside) {
        parts.push(kx.plural(seen.aside, "entry", "entries") + " from another account " +
          (seen.aside === 1 ? "is" : "are") + " kept aside on this phone, unsent: keep " +
          (seen.aside === 1 ? "it" : "them") + ", or delete " + (seen.aside === 1 ? "it" : "them") + " with the button above");
      }
      put(kx.$(".sync-words", box), parts.join(" · ") + (c.attention ? " · " : ""));
      var tray = kx.$(".sync-attention", box);
      if (tray) {
        if (tray.hidden !== !c.attention) tray.hidden = !c.attention;
        put(tray, c.attention ? kx.plural(c.attention, "entry needs", "entries need") + " your attention" : "");
      }
      put(kx.$(".sync-last", box), last ? "Last sync " + hhmm(last) : "");
      box.setAttribute("data-pending", String(c.pending));
    });
  }

  // The first non-empty of the kind's label fields names a pending item.
  function label(kind, d) {
    var names = (kx.kinds[kind] || {}).label || [];
    for (var i = 0; i < names.length; i++) if (d[names[i]]) return String(d[names[i]]);
    return "New entry";
  }

  function overlay() {
    var list = kx.$("[data-list-kind]");
    if (!list) return Promise.resolve();
    var kind = list.getAttribute("data-list-kind");
    return S.tx(["outbox", "records"], "readonly", function (t) {
      return Promise.all([S.all(t.objectStore("outbox")), S.all(t.objectStore("records"))]);
    }).then(function (v) {
      var records = {}, seen = {};
      v[1].forEach(function (r) { records[r.key] = r; });
      v[0].filter(function (m) { return m.kind.split(".")[0] === kind; }).forEach(function (m) {
        if (seen[m.record_id]) return;
        seen[m.record_id] = true;
        var local = records[kind + ":" + m.record_id] || { data: m.data || {} };
        var row = list.querySelector('[data-record-id="' + m.record_id + '"]');
        if (!row) {
          var d = local.data || {};
          row = document.createElement("li");
          row.className = "card pending-row";
          row.setAttribute("data-record-id", m.record_id);
          row.appendChild(document.createElement("strong")).textContent = label(kind, d);
          var when = row.appendChild(document.createElement("div"));
          when.className = "meta";
          when.textContent = [d.date, d.duration || (d.minutes ? d.minutes + " min" : "")].filter(Boolean).join(" · ");
          list.insertBefore(row, list.firstChild);
        }
        if (!row.querySelector(".badge")) {
          var badge = row.appendChild(document.createElement("span"));
          badge.className = "badge";
          badge.textContent = local.deleted ? "Deleted · waiting to sync" : "Waiting to sync";
        }
      });
      var empty = kx.$("[data-empty-state]");
      if (empty && Object.keys(seen).length) empty.hidden = true;
    });
  }

  // After a sync, fetch the list again (the same partial htmx search uses) so synced entries
  // show as the server has them; what is still waiting is overlaid again.
  function refreshList() {
    var list = kx.$("[data-list-kind]");
    var region = list && list.closest(".results");
    if (!region || !window.htmx) return;
    window.htmx.ajax("GET", location.pathname + location.search, { target: region, swap: "innerHTML" })
      .then(overlay, function () { /* offline again: keep what is shown */ });
  }

  kx.status = { render: render, note: note, overlay: overlay, refreshList: refreshList };
})();
