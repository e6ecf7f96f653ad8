// The "Needs attention" tray and the "This device" page. Both render from the on-device store
// only: what they show never left the phone.
(function () {
  "use strict";
  var S = window.kxStore, Y = window.kxSync;
  var LABELS = { note: "Fieldwork note", journal: "Journal entry", time: "Time entry", project: "Research project",
                 participation: "Research participation" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function human(name) { var t = name.replace(/_/g, " "); return t.charAt(0).toUpperCase() + t.slice(1); }

  function words(node) {
    var copy = node.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".optional, .visually-hidden"), function (n) { n.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  // The form's own words for its fields, {name: {label, options: {value: text}, edit}}, read
  // from the kind's edit form as the worker keeps it for offline editing (one per journal
  // template): the labels the person saw when they wrote the entry.
  function fieldsOf(html) {
    var out = {};
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    var form = doc.querySelector("form[data-kind]");
    if (!form) return out;
    Array.prototype.forEach.call(form.querySelectorAll("input[name], select[name], textarea[name]"), function (input) {
      if (input.type === "hidden") return;
      var entry = out[input.name] = out[input.name] || { label: "", options: {}, edit: false, type: input.type };
      var own = input.id ? doc.querySelector('label[for="' + input.id + '"]') : null;
      var group = input.closest("fieldset"), legend = group && group.querySelector("legend");
      if (input.type === "radio" || input.name === "tags") {
        if (legend && !entry.label) entry.label = words(legend);
        if (own) entry.options[input.value] = words(own);
      } else {
        if (own) entry.label = words(own);
        if (input.tagName === "SELECT") {
          Array.prototype.forEach.call(input.options, function (o) { if (o.value) entry.options[o.value] = o.textContent.trim(); });
        }
        entry.edit = input.tagName === "TEXTAREA" || input.type !== "checkbox" && input.tagName !== "SELECT";
      }
    });
    return out;
  }

  var forms = {};
  function labelsFor(item) {
    var kx = window.kx || {}, kind = item.kind.split(".")[0], conf = (kx.kinds || {})[kind] || {};
    var d = item.data || (item.server && item.server.data) || {};
    if (!conf.form) return Promise.resolve({});
    var path = conf.form + (d.template ? "?template=" + encodeURIComponent(d.template) : "");
    if (!forms[path]) {
      var kept = kx.owner && window.caches
        ? caches.open("kexpwa-pages-" + kx.owner).then(function (c) { return c.match(path); })
        : Promise.resolve(null);
      forms[path] = kept.then(function (hit) {
        return hit || fetch(path, { credentials: "same-origin" }).then(function (r) { return r.ok ? r : null; });
      }).then(function (r) { return r ? r.text() : ""; }).then(fieldsOf).catch(function () { return {}; });
    }
    return forms[path];
  }

  // A time entry's duration as its form shows it ("1h 30"), whether typed or pulled as minutes.
  function asShown(kind, data) {
    data = Object.assign({}, data || {});
    if (kind === "time" && typeof data.minutes === "number") {
      if (!data.duration) data.duration = window.kx.format.duration(data.minutes);
      delete data.minutes;
    }
    return data;
  }

  // [[label, path, text, editable]] for what a person can read, in the form's words; fields
  // the form does not show (its template, where it grew from) are left out.
  function flatten(kind, data, fields) {
    var out = [], known = Object.keys(fields).length > 0;
    data = asShown(kind, data);
    Object.keys(data).forEach(function (k) {
      var v = data[k], f = fields[k];
      if (k === "sections" && v && typeof v === "object") {
        Object.keys(v).forEach(function (s) {
          var section = fields["sections." + s];
          out.push([section ? section.label : human(s), "sections." + s, String(v[s] || ""), true]);
        });
        return;
      }
      if (known && !f || v === null || v === undefined || typeof v === "object" && !Array.isArray(v)) return;
      var options = f ? f.options : {};
      var text = Array.isArray(v) ? v.map(function (x) { return options[x] || x; }).join(", ")
        : typeof v === "boolean" && !(String(v) in options) ? (v ? "Yes" : "No")
        : options[String(v)] || String(v);
      out.push([f && f.label || human(k), k, text, typeof v === "string" && (!f || f.edit)]);
    });
    return out;
  }

  // "Time entry: Thu 26 Nov 2026 · 1h 30 · Reading"; "Fieldwork note: Home visit · Thu 26 Nov 2026".
  function heading(item) {
    var kx = window.kx, kind = item.kind.split(".")[0];
    var d = Object.assign({}, item.server && item.server.data || {}, item.data || {});
    var parts;
    if (kind === "time") {
      var minutes = kx.pending.minutes(d);
      parts = [kx.format.day(d.date), minutes !== null ? kx.format.duration(minutes) : d.duration, d.activity];
    } else if (kind === "participation") {
      var yes = d.time_and_projects === true || d.time_and_projects === "true";
      parts = [yes ? "include my time log and research stages" : "do not include them"];
    } else {
      parts = [d.title || "Untitled", kx.format.day(d.date || d.start_date)];
    }
    return (LABELS[kind] || kind) + ": " + parts.filter(Boolean).join(" · ");
  }

  function setPath(data, path, value) {
    if (path.indexOf("sections.") === 0) { data.sections = data.sections || {}; data.sections[path.slice(9)] = value; }
    else if (typeof data[path] === "number") data[path] = parseInt(value, 10);
    else if (typeof data[path] === "boolean") data[path] = value === "yes";
    else data[path] = value;
  }

  function removeItem(id) {
    return S.tx(["attention"], "readwrite", function (t) { t.objectStore("attention").delete(id); });
  }

  // A resolution is a new change based on the server's current version; naming the kept
  // conflict marks it resolved on the server too.
  function resend(item, data, op) {
    var kind = item.kind.split(".")[0];
    var extra = {};
    if (item.server) extra.base_version = item.server.version;
    if (item.conflict_id) extra.resolves = [item.conflict_id];
    return S.enqueue(kind, op || "upsert", item.record_id, data, 0, extra)
      .then(function () { return removeItem(item.mutation_id); })
      .then(function () { Y.flush({ force: true }); render(); });
  }

  function editor(item, li, fields) {
    var kind = item.kind.split(".")[0];
    var form = el("form", { "class": "stack" });
    var data = asShown(kind, JSON.parse(JSON.stringify(item.data || {})));
    var theirs = {};
    flatten(kind, item.server && item.server.data, fields).forEach(function (f) { theirs[f[1]] = f[2]; });
    flatten(kind, item.data, fields).forEach(function (f, i) {
      if (!f[3]) return;  // choices and ticks are kept as this device has them
      var id = "merge-" + item.mutation_id + "-" + i;
      var wrap = el("div", { "class": "field" });
      wrap.appendChild(el("label", { "for": id }, f[0]));
      if (f[1] in theirs && theirs[f[1]] !== f[2]) {
        wrap.appendChild(el("span", { "class": "hint", id: id + "-server" }, "The server has: " + theirs[f[1]]));
      }
      var errors = item.fields || {}, error = errors[f[1].split(".")[0]] || f[1] === "duration" && errors.minutes;
      if (error) wrap.appendChild(el("span", { "class": "error", id: id + "-error" }, error));
      var area = el("textarea", { id: id, name: f[1] });
      var described = [error ? id + "-error" : "", f[1] in theirs && theirs[f[1]] !== f[2] ? id + "-server" : ""].filter(Boolean);
      if (described.length) area.setAttribute("aria-describedby", described.join(" "));
      if (error) area.setAttribute("aria-invalid", "true");
      area.value = f[2];
      wrap.appendChild(area);
      form.appendChild(wrap);
    });
    var save = el("button", { type: "submit", "class": "primary" }, "Save and send");
    form.appendChild(save);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      Array.prototype.forEach.call(form.querySelectorAll("textarea"), function (area) { setPath(data, area.name, area.value); });
      resend(item, data);
    });
    li.appendChild(form);
    var first = form.querySelector("textarea");
    if (first) first.focus();
  }

  function sideBySide(item, fields) {
    var kind = item.kind.split(".")[0];
    var grid = el("div", { "class": "compare" });
    [["This device", item.data, item.kind.indexOf(".delete") > 0], ["The server", item.server && item.server.data, item.server && item.server.deleted]]
      .forEach(function (col) {
        var box = el("section", { "class": "card" });
        box.appendChild(el("h3", {}, col[0]));
        if (col[2]) box.appendChild(el("p", {}, "Deleted"));
        var dl = el("dl");
        flatten(kind, col[1], fields).forEach(function (f) {
          var isDate = (fields[f[1]] || {}).type === "date";  // written as the lists write it
          dl.appendChild(el("dt", {}, f[0]));
          dl.appendChild(el("dd", {}, isDate ? window.kx.format.day(f[2]) : f[2]));
        });
        box.appendChild(dl);
        grid.appendChild(box);
      });
    return grid;
  }

  function actions(item, li, fields) {
    var row = el("div", { "class": "row" });
    function add(label, fn, cls) { var b = el("button", { type: "button", "class": cls || "" }, label); b.addEventListener("click", fn); row.appendChild(b); return b; }
    var isDelete = item.kind.indexOf(".delete") > 0;
    if (item.status === "held") {
      var conf = ((window.kx || {}).kinds || {})[item.kind.split(".")[0]] || {};
      if (conf.edit) {
        row.appendChild(el("a", { href: conf.edit.replace("{id}", item.record_id), "class": "button" }, "Open the entry"));
      }
      add("Got it", function () { removeItem(item.mutation_id).then(render); });
      li.appendChild(row);
      return;
    }
    if (item.status === "conflict") {
      add("Keep mine", function () { resend(item, isDelete ? null : item.data, isDelete ? "delete" : "upsert"); });
      add("Keep theirs", function () {
        // Keeping a server-side delete needs no change; otherwise an empty change based on the
        // server's version keeps its text and closes the kept conflict.
        if (item.server && item.server.deleted) removeItem(item.mutation_id).then(render);
        else resend(item, {}, "upsert");
      });
      if (!isDelete) add("Merge by hand", function () { row.remove(); editor(item, li, fields); });
    } else {
      if (!isDelete) add("Edit and send again", function () { row.remove(); editor(item, li, fields); });
      var discard = add("Discard", function () {
        if (discard.getAttribute("data-armed") === "yes") { removeItem(item.mutation_id).then(render); return; }
        discard.setAttribute("data-armed", "yes");
        discard.textContent = "Yes, discard it for good";
      }, "danger");
    }
    li.appendChild(row);
  }

  function render() {
    var tray = document.getElementById("tray");
    if (!tray) return;
    S.tx(["attention"], "readonly", function (t) { return S.all(t.objectStore("attention")); }).then(function (items) {
      return Promise.all(items.map(labelsFor)).then(function (fields) {
        items.forEach(function (item, i) { item.fields_of_form = fields[i]; });
        return items;
      });
    }).then(function (items) {
      tray.textContent = "";
      var empty = document.getElementById("tray-empty");
      if (empty) empty.hidden = items.length > 0;
      items.sort(function (a, b) { return a.seq - b.seq; });
      items.forEach(function (item) {
        var li = el("li", { "class": "card", "data-record-id": item.record_id });
        var fields = item.fields_of_form;
        li.appendChild(el("h2", {}, heading(item)));
        li.appendChild(el("p", {}, item.status === "conflict"
          ? "This entry was changed on another device or by the server since you edited it. Both versions are kept until you choose."
          : item.status === "held"
            ? "Saved, but not shared: it may hold identifiers such as a phone number or a postcode, so your choice to share it was kept off. Open it to check the warning, then share it again if you still want to."
            : "The server could not accept this entry: " + (item.message || "it was not valid.")));
        if (item.status === "held") {
          var kept = el("ul");
          (item.held || []).forEach(function (name) {
            kept.appendChild(el("li", {}, ((fields[name] || {}).label || human(name)) + ": kept off"));
          });
          li.appendChild(kept);
        }
        var problems = Object.keys(item.fields || {});
        if (problems.length) {
          var ul = el("ul");
          problems.forEach(function (name) {
            var f = fields[name === "minutes" ? "duration" : name];
            ul.appendChild(el("li", {}, (f && f.label ? f.label + ": " : "") + item.fields[name]));
          });
          li.appendChild(ul);
        }
        if (item.status === "conflict") li.appendChild(sideBySide(item, fields));
        actions(item, li, fields);
        tray.appendChild(li);
      });
      if (window.kx) window.kx.status.render();
    });
  }

  function refreshDevice() {
    var box = document.getElementById("device");
    if (!box) return;
    var set = function (name, text) { var n = box.querySelector("[data-field=" + name + "]"); if (n) n.textContent = text; };
    var storage = navigator.storage || {};
    (storage.persisted ? storage.persisted() : Promise.resolve(false)).then(function (persisted) {
      set("persisted", persisted ? "Yes: the browser will keep kexpwa's data." : "Not yet: the browser may clear kexpwa's data when space runs low.");
    });
    if (storage.estimate) storage.estimate().then(function (e) {
      set("estimate", Math.round((e.usage || 0) / 1024) + " KB used of about " + Math.round((e.quota || 0) / 1048576) + " MB available");
    });
    Promise.all([S.counts(), S.getMeta("last_sync"), S.getMeta("client_id")]).then(function (v) {
      set("pending", String(v[0].pending)); set("attention", String(v[0].attention)); set("drafts", String(v[0].drafts));
      set("last-sync", v[1] ? new Date(v[1]).toLocaleString() : "Never");
      set("client", v[2] ? v[2].slice(0, 8) : "Not yet assigned");
    });
  }

  function device() {
    var box = document.getElementById("device");
    if (!box) return;
    var storage = navigator.storage || {};
    refreshDevice();
    var keep = box.querySelector("[data-action=persist]");
    if (keep) keep.addEventListener("click", function () {
      if (storage.persist) storage.persist().then(refreshDevice);
    });
    var wipe = box.querySelector("[data-action=wipe]");
    if (wipe) wipe.addEventListener("click", function () {
      S.counts().then(function (c) {
        var unsent = c.pending + c.attention;
        if (unsent && wipe.getAttribute("data-armed") !== "yes") {
          wipe.setAttribute("data-armed", "yes");
          wipe.textContent = unsent + " entries are not on the server yet. Remove them anyway?";
          return;
        }
        window.kx.device.wipe().then(function () { location.reload(); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.indexedDB) return;
    render();
    device();
    if (Y) Y.on(function (d) {
      // Never re-render under someone typing a merge: their text would be lost.
      if ((d.type === "synced" || d.type === "pushed") && !document.querySelector("#tray form")) render();
    });
  });
})();
