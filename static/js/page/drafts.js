// Page client, part 3: drafts. What is typed into a form is kept on the device as it is typed
// and offered again until the entry is saved or the draft discarded.
// Every form has its own draft: an existing record's is "<kind>:<record id>", a new entry's is
// "<kind>:new:<draft id>", a random id that the address carries after the first keystroke
// ("#draft=<id>": a fragment, so the worker's cached page still matches and the server never
// sees it). Two unfinished new entries never share a draft. A new form opened without a draft
// id starts empty and links to the unfinished drafts of the same form instead.
// Writes follow every input: one write in flight per form, the next one takes the latest text
// as soon as it completes (so a draft is a write behind at most, never a timer behind), and
// every touched form is written again when the page is hidden or closed.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;
  var writes = {};  // draft key -> {busy: promise or null, again: bool}
  var ID = /^[A-Za-z0-9-]{8,64}$/;

  function field(form, name) { return form.elements.namedItem(name); }

  // A form of a kind with one record per person (data-single: research participation) names
  // that record even before it exists: never a "new" draft, never given another id.
  function isNew(form) {
    if (form.hasAttribute("data-single")) return false;
    var version = field(form, "version");
    return !version || !version.value || version.value === "0";
  }

  // The draft id in the address (#draft=<id>), if any.
  function linked() {
    var m = /(?:^#|&)draft=([^&]*)/.exec(location.hash);
    return m && ID.test(m[1]) ? m[1] : "";
  }

  function key(form) {
    var k = form.getAttribute("data-draft-key");
    if (k) return k;
    var kind = form.getAttribute("data-kind");
    if (isNew(form) && !linked()) {
      // A fresh draft id: no draft can be stored under it yet but this page's own.
      k = kind + ":new:" + S.uuid();
      form.setAttribute("data-draft-fresh", "yes");
    } else {
      k = isNew(form) ? kind + ":new:" + linked() : kind + ":" + form.getAttribute("data-record-id");
    }
    form.setAttribute("data-draft-key", k);
    return k;
  }

  function draftId(k) { return k.split(":new:")[1] || ""; }

  // Where the person gets back to a draft: the form's address, plus the draft id if new.
  function href(draft) {
    return draft.path + (draft.draft ? "#draft=" + draft.draft : "");
  }

  function drop(form) {
    var k = key(form);
    return S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").delete(k); });
  }

  function typed(form) {
    return kx.$all("textarea, input[type=text], input:not([type])", form)
      .map(function (el) { return el.value.trim(); }).filter(Boolean);
  }

  function snapshot(form) {
    var fields = {};
    kx.$all("input, textarea, select", form).forEach(function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "hidden" && el.name !== "id") return;
      if (el.type === "checkbox" || el.type === "radio") fields[el.name + "=" + el.value] = el.checked;
      else fields[el.name] = el.value;
    });
    var k = key(form), heading = kx.$("main h1"), template = field(form, "template");
    var templateName = kx.$(".meta strong", form);
    return {
      key: k, kind: form.getAttribute("data-kind"), draft: draftId(k), fields: fields,
      path: location.pathname + location.search, saved: Date.now(),
      heading: heading ? heading.textContent.trim() : "",
      template: template && template.value && templateName ? templateName.textContent.trim() : "",
      words: typed(form).join(" ").replace(/\s+/g, " ").slice(0, 80)
    };
  }

  // Write the form's draft now, or straight after the write in flight. A new form with
  // nothing typed in it keeps no draft.
  function save(form) {
    if (form.hasAttribute("data-saved")) return Promise.resolve();
    // A stored draft is read before anything typed may overwrite it (restore() saves then).
    if (!form.hasAttribute("data-draft-ready") && !form.hasAttribute("data-draft-fresh")) return Promise.resolve();
    var k = key(form), w = writes[k] || (writes[k] = { busy: null, again: false });
    if (w.busy) { w.again = true; return w.busy; }
    var record = snapshot(form), empty = record.draft && !record.words;
    if (record.draft && !empty && !linked()) {
      // The address now leads back to this draft (a reload, a crash, the back button).
      history.replaceState(history.state, "", location.pathname + location.search + "#draft=" + record.draft);
    }
    w.busy = S.tx(["drafts"], "readwrite", function (t) {
      var store = t.objectStore("drafts");
      if (empty) store.delete(k); else store.put(record);
    }).catch(function (err) {
      try { kx.storageProblem(err); } catch (e) { /* shown in the banner */ }
    }).then(function () {
      w.busy = null;
      if (w.again) { w.again = false; return save(form); }
    });
    return w.busy;
  }

  // The id lives in the hidden field, the data attribute and the form's action (the no-JS
  // post goes to /<area>/<id>): keep all three the same.
  function setRecordId(form, idField, id) {
    var old = form.getAttribute("data-record-id");
    idField.value = id;
    form.setAttribute("data-record-id", id);
    var action = form.getAttribute("action");
    if (old && action && action.indexOf(old) >= 0) form.setAttribute("action", action.replace(old, id));
  }

  function when(ms) {
    var d = new Date(ms), now = new Date();
    var time = kx.format.clock(ms);
    if (d.toDateString() === now.toDateString()) return "today at " + time;
    return kx.format.shortDay(ms) + " at " + time;
  }

  function notice(form, cls) {
    var note = document.createElement("div");
    note.className = "notice " + cls;
    form.parentNode.insertBefore(note, form);
    return note;
  }

  // A new form opened afresh: say which unfinished drafts of the same form there are.
  function offerOthers(form) {
    var kind = form.getAttribute("data-kind"), path = location.pathname + location.search;
    return all().then(function (drafts) {
      var same = drafts.filter(function (d) { return d.kind === kind && d.draft && d.path === path; });
      if (!same.length) return;
      var note = notice(form, "draft-others");
      note.appendChild(document.createElement("p")).textContent =
        "You have " + (same.length === 1 ? "an unfinished entry" : same.length + " unfinished entries") +
        " of this kind on this device. This form starts a new one.";
      var list = note.appendChild(document.createElement("ul"));
      same.forEach(function (d) {
        var a = list.appendChild(document.createElement("li")).appendChild(document.createElement("a"));
        a.href = href(d);
        a.textContent = "Continue the one from " + when(d.saved) + (d.words ? ": “" + firstWords(d.words) + "”" : "");
      });
    });
  }

  function firstWords(text) {
    var words = text.split(" ");
    return words.length > 8 ? words.slice(0, 8).join(" ") + "…" : text;
  }

  // Offer the form's stored draft. What the person typed before it was read stays as typed:
  // only the fields they have not touched are filled from the draft.
  function restore(form) {
    var k = key(form), idField = field(form, "id");
    var ready = function () {
      form.setAttribute("data-draft-ready", "yes");
      if (form.hasAttribute("data-draft-touched")) save(form);
    };
    if (form.hasAttribute("data-draft-fresh")) {
      // A cached "new" form would otherwise reuse the id it was rendered with.
      if (idField) setRecordId(form, idField, S.uuid());
      ready();
      return offerOthers(form);
    }
    return S.tx(["drafts", "records"], "readonly", function (t) {
      return S.get(t.objectStore("drafts"), k).then(function (draft) {
        if (!draft || !draft.fields.id) return draft;
        // A "new" draft whose record was saved meanwhile must not reuse that record's id.
        return S.get(t.objectStore("records"), draft.kind + ":" + draft.fields.id).then(function (saved) {
          if (saved) delete draft.fields.id;
          return draft;
        });
      });
    }).then(function (draft) {
      if (!draft || !("id" in draft.fields)) {
        if (isNew(form) && idField) setRecordId(form, idField, S.uuid());
      }
      if (!draft) {
        if (linked()) history.replaceState(history.state, "", location.pathname + location.search);
        ready();
        return isNew(form) ? offerOthers(form) : null;
      }
      kx.$all("input, textarea, select", form).forEach(function (el) {
        if (!el.name || el.name === "csrf_token" || el.hasAttribute("data-draft-typed")) return;
        if (el.type === "radio" && kx.$all("input[type=radio][data-draft-typed]", form).some(function (r) {
          return r.name === el.name;
        })) return;
        if (el.type === "checkbox" || el.type === "radio") {
          var name = el.name + "=" + el.value;
          if (name in draft.fields) el.checked = draft.fields[name];
        } else if (el.name in draft.fields && (el.type !== "hidden" || el.name === "id")) {
          el.value = draft.fields[el.name];
        }
      });
      if (idField) setRecordId(form, idField, idField.value);
      ready();
      var note = notice(form, "draft-note");
      note.setAttribute("role", "status");
      note.textContent = "Draft restored from this device (last typed " + when(draft.saved) + "). ";
      note.appendChild(kx.button("Discard draft", function () {
        drop(form).then(function () {
          if (draft.draft) location.replace(location.pathname + location.search);
          else location.reload();
        });
      }, "link"));
    }, function (err) { ready(); throw err; });
  }

  // No draft may be written after the entry itself is saved.
  function stop(form) {
    form.setAttribute("data-saved", "yes");
  }

  // Every draft on the device, newest first.
  function all() {
    return S.tx(["drafts"], "readonly", function (t) { return S.all(t.objectStore("drafts")); })
      .then(function (list) {
        return list.some(legacy) ? adopt() : list;
      })
      .then(function (list) { return list.sort(function (a, b) { return b.saved - a.saved; }); });
  }

  // Before drafts were per form, every new entry of a kind shared "<kind>:new". Such a draft
  // gets its own id, so it can be listed and opened like any other.
  function legacy(d) { return !d.draft && /:new$/.test(d.key); }

  function adopt() {
    return S.tx(["drafts"], "readwrite", function (t) {
      var store = t.objectStore("drafts");
      return S.all(store).then(function (list) {
        return list.map(function (d) {
          if (!legacy(d)) return d;
          var id = S.uuid(), f = d.fields || {};
          var words = Object.keys(f).filter(function (name) {
            return name === "title" || name === "body" || name.indexOf("sections.") === 0;
          }).map(function (name) { return String(f[name]).trim(); }).filter(Boolean).join(" ");
          store.delete(d.key);
          d = Object.assign({}, d, { key: d.kind + ":new:" + id, draft: id,
                                      words: words.replace(/\s+/g, " ").slice(0, 80) });
          store.put(d);
          return d;
        });
      });
    });
  }

  function put(draft) {
    return S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").put(draft); });
  }

  function remove(k) {
    return S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").delete(k); });
  }

  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (!form || !form.hasAttribute("data-kind") || !kx.owner) return;
    form.setAttribute("data-draft-touched", "yes");
    event.target.setAttribute("data-draft-typed", "yes");
    save(form);
  });
  document.addEventListener("change", function (event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute("data-draft-touched")) save(form);
  });

  // A link to another draft of the same form changes only the fragment: open that draft.
  window.addEventListener("hashchange", function () {
    var form = kx.$("form[data-kind][data-draft-key]");
    if (form && linked() && draftId(key(form)) !== linked()) location.reload();
  });

  // The page is going away or out of sight: write what is on screen once more.
  function flushAll() { kx.$all("form[data-draft-touched]").forEach(save); }
  window.addEventListener("pagehide", flushAll);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flushAll();
  });

  kx.drafts = { field: field, restore: restore, drop: drop, stop: stop, save: save,
                all: all, put: put, remove: remove, href: href, when: when, firstWords: firstWords };
})();
