// Page client: entries still waiting to sync, overlaid on the server's list (its one rendering
// path; see ARCHITECTURE.md, "Rendering offline lists"). A pending row reads like a saved one:
// the same fields, dates and durations written by kx.format as the server writes them, a link
// to its edit page (which opens offline, js/page/records.js), "Waiting to sync", and "Undo"
// for a delete. On the time log, this week's totals count pending time too.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The first non-empty of the kind's label fields names a pending item.
  function label(kind, d) {
    var names = (kx.kinds[kind] || {}).label || [];
    for (var i = 0; i < names.length; i++) if (d[names[i]]) return String(d[names[i]]);
    return "New entry";
  }

  // Durations typed the way people think, as kexpwa.domain.durations.parse reads them; null
  // when it would refuse them. (The on-phone checks have their own copy of the rules: prefer it.)
  var H = "(?:h|hr|hrs|hour|hours)", M = "(?:m|min|mins|minute|minutes)";
  var PATTERNS = [
    [new RegExp("^(\\d+(?:\\.\\d+)?)\\s*" + H + "\\s*(?:(\\d+)\\s*" + M + "?)?$"), 1, 2],
    [new RegExp("^(\\d+)\\s*" + M + "?$"), 0, 1],
    [/^(\d+):([0-5]\d)$/, 1, 2],
    [/^(\d*\.\d+)$/, 1, 0]
  ];
  function parseDuration(text) {
    var cleaned = String(text).trim().toLowerCase().replace(/,/g, ".").split(/\s+/).join(" ");
    if (!cleaned || cleaned.length > 30) return null;
    for (var i = 0; i < PATTERNS.length; i++) {
      var m = PATTERNS[i][0].exec(cleaned);
      if (!m) continue;
      var hours = PATTERNS[i][1] ? parseFloat(m[PATTERNS[i][1]] || "0") : 0;
      var minutes = PATTERNS[i][2] ? parseInt(m[PATTERNS[i][2]] || "0", 10) : 0;
      if (PATTERNS[i][1] && minutes >= 60) return null;
      var total = Math.round(hours * 60) + minutes;
      return total > 0 && total <= 1440 ? total : null;
    }
    return null;
  }

  // A time entry's minutes as the device holds it: what was typed, else what was pulled.
  function minutesOf(d) {
    if (d.duration) {
      var parse = kx.checks && kx.checks.minutes || parseDuration;
      var typed = parse(d.duration);
      if (typeof typed === "number") return typed;
    }
    return typeof d.minutes === "number" ? d.minutes : null;
  }

  function ownTime(d) { return d.own_time === true || d.own_time === "true"; }

  function excerpt(text) {
    text = String(text || "");
    return text.length > 160 ? text.slice(0, 157) + "..." : text;
  }

  // What the server's row shows (templates/<area>/_row.html), from the device's copy.
  function contents(kind, d) {
    var title, meta = [], extra = "";
    if (kind === "time") {
      var minutes = minutesOf(d);
      title = (minutes !== null ? kx.format.duration(minutes) : String(d.duration || "")) + " · " + (d.activity || "");
      meta = [kx.format.day(d.date), ownTime(d) ? "Own time" : "Work time"];
      extra = d.note;
    } else if (kind === "participation") {
      var yes = d.time_and_projects === true || d.time_and_projects === "true";
      title = "Research participation: " + (yes ? "yes, include my time log and research stages" : "no");
    } else if (kind === "project") {
      title = label(kind, d);
      if (d.start_date) meta = ["started " + kx.format.day(d.start_date)];
      extra = d.question;
    } else {
      title = label(kind, d);
      meta = [kx.format.day(d.date), d.time || ""];
      if (d.share_lead || d.share_research) meta.push("Shared");
      extra = d.body || Object.keys(d.sections || {}).map(function (k) { return d.sections[k]; }).filter(Boolean).join(" ");
    }
    return { title: title, meta: meta.filter(Boolean).join(" · "), extra: excerpt(extra) };
  }

  function undoForm(kind, local) {
    var form = el("form", "inline");
    form.setAttribute("data-restore-kind", kind);
    [["id", local.id], ["version", String(local.local_version || 0)]].forEach(function (pair) {
      var input = form.appendChild(el("input"));
      input.type = "hidden"; input.name = pair[0]; input.value = pair[1];
    });
    var button = form.appendChild(el("button", "", "Undo"));
    button.type = "submit";
    button.appendChild(el("span", "visually-hidden", " deleting " + label(kind, local.data || {})));
    return form;
  }

  function fill(row, kind, local) {
    var d = local.data || {}, shown = contents(kind, d);
    var edit = (kx.kinds[kind] || {}).edit;
    row.textContent = "";
    row.classList.add("pending-row");
    var heading = row.appendChild(el("h2", "row-title"));
    if (edit && !local.deleted) {
      var link = heading.appendChild(el("a", "", shown.title));
      link.href = edit.replace("{id}", encodeURIComponent(local.id));
    } else {
      heading.textContent = shown.title;
    }
    if (shown.meta) row.appendChild(el("p", "meta", shown.meta));
    if (shown.extra && !local.deleted) row.appendChild(el("p", "excerpt", shown.extra));
    var status = row.appendChild(el("p", "row"));
    status.appendChild(el("span", "badge", local.deleted ? "Deleted · waiting to sync" : "Waiting to sync"));
    if (local.deleted) status.appendChild(undoForm(kind, local));
  }

  // This week's totals: the server's, less what it counted for entries changed on the device,
  // plus what the device holds for them now.
  function totals(changed) {
    var box = kx.$("[data-week-start]");
    if (!box) return;
    var start = box.getAttribute("data-week-start"), end = box.getAttribute("data-week-end");
    var sums = {};
    ["work", "own"].forEach(function (k) {
      var dd = kx.$("[data-total=" + k + "]", box);
      sums[k] = dd ? parseInt(dd.getAttribute("data-minutes"), 10) || 0 : 0;
    });
    changed.forEach(function (c) {
      var was = c.server;
      if (was && was.date >= start && was.date <= end) sums[was.own ? "own" : "work"] -= was.minutes;
      var d = c.local.data || {}, minutes = minutesOf(d);
      if (!c.local.deleted && minutes !== null && d.date >= start && d.date <= end) sums[ownTime(d) ? "own" : "work"] += minutes;
    });
    sums.all = sums.work + sums.own;
    Object.keys(sums).forEach(function (k) {
      var dd = kx.$("[data-total=" + k + "]", box);
      if (dd) dd.textContent = sums[k] > 0 ? kx.format.duration(sums[k]) : "none";
    });
  }

  function overlay() {
    var list = kx.$("[data-list-kind]");
    if (!list) return Promise.resolve();
    var kind = list.getAttribute("data-list-kind");
    // Only the records this list's waiting entries name: a device holding thousands of
    // records reads a handful, not all of them, on every list and after every save.
    return S.tx(["outbox", "records"], "readonly", function (t) {
      return S.all(t.objectStore("outbox")).then(function (queued) {
        var mine = queued.filter(function (m) { return m.kind.split(".")[0] === kind; });
        var keys = mine.map(function (m) { return kind + ":" + m.record_id; });
        var store = t.objectStore("records");
        return Promise.all(keys.map(function (key) { return S.get(store, key); })).then(function (found) {
          return [mine, found.filter(Boolean)];
        });
      });
    }).then(function (v) {
      var records = {}, seen = {}, changed = [];
      v[1].forEach(function (r) { records[r.key] = r; });
      v[0].forEach(function (m) {
        if (seen[m.record_id]) return;
        seen[m.record_id] = true;
        var local = records[kind + ":" + m.record_id] || { id: m.record_id, data: m.data || {} };
        local.id = local.id || m.record_id;
        var row = list.querySelector('[data-record-id="' + m.record_id + '"]');
        var server = null;
        if (row && row.hasAttribute("data-minutes")) {
          server = { minutes: parseInt(row.getAttribute("data-minutes"), 10) || 0,
                     date: row.getAttribute("data-date"), own: row.getAttribute("data-own-time") === "true" };
        }
        if (!row) {
          row = el("li", "card");
          row.setAttribute("data-record-id", m.record_id);
          list.insertBefore(row, list.firstChild);
        }
        fill(row, kind, local);
        changed.push({ local: local, server: server });
      });
      // Nothing waiting (just synced): what is shown stays until the page is next opened.
      if (kind === "time" && changed.length) totals(changed);
      var empty = kx.$("[data-empty-state]");
      if (empty && changed.length) empty.hidden = true;
    });
  }

  kx.pending = { overlay: overlay, label: label, minutes: minutesOf };
})();
