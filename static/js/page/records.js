// Page client: opening an entry from the on-device copy. Offline, the worker answers an edit
// page it has no copy of with the kind's one cached edit form, the record's id and version
// written in (static/sw.js, offlineEdit); this fills its fields from IndexedDB's `records`. A
// cached edit page older than the device's copy (an entry edited offline) is filled the same
// way. Saving, deleting and undo then go through the outbox as on any form (forms.js), so
// edits of entries still waiting chain with base_mutation_id (store.js, enqueue).
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;

  // The record id in this page's address, if it is the kind's edit page.
  function idFromPath(kind) {
    var parts = ((kx.kinds[kind] || {}).edit || "").split("{id}"), path = location.pathname;
    if (parts.length !== 2 || path.indexOf(parts[0]) !== 0) return "";
    var id = path.slice(parts[0].length, path.length - parts[1].length);
    return /^[0-9a-f-]{36}$/.test(id) && parts[0] + id + parts[1] === path ? id : "";
  }

  // A form field's value in the record's data (field names as in kexpwa/views/forms.py).
  function value(kind, data, name) {
    if (name.indexOf("sections.") === 0) return (data.sections || {})[name.slice(9)];
    if (name === "duration" && !data.duration && typeof data.minutes === "number") return kx.format.duration(data.minutes);
    return data[name];
  }

  function fill(form, kind, data) {
    kx.$all("input, textarea, select", form).forEach(function (el) {
      var name = el.name;
      if (!name || name === "csrf_token" || name === "id" || name === "version") return;
      var v = value(kind, data, name);
      if (el.type === "checkbox") {
        el.checked = name === "tags" ? (data.tags || []).indexOf(el.value) >= 0 : v === true || v === "true";
      } else if (el.type === "radio") {
        if (v !== undefined && v !== null) el.checked = String(v) === el.value;
      } else if (v !== undefined) {
        el.value = v === null ? "" : String(v);
      }
    });
  }

  function setVersion(version) {
    kx.$all("form[data-kind] [name=version], form[data-delete-kind] [name=version]").forEach(function (el) {
      el.value = String(version);
    });
  }

  function notice(form, text) {
    var note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("role", "status");
    note.textContent = text;
    form.parentNode.insertBefore(note, form);
    return note;
  }

  // Fill the edit form from the device's copy when that is what the person last saved.
  // A kind with one record per person (research participation) has no edit page: its own page
  // is the form (data-single), and names the record in data-record-id.
  function single(form) {
    return form.hasAttribute("data-single") ? form.getAttribute("data-record-id") || "" : "";
  }

  function open(form) {
    var kind = form.getAttribute("data-kind"), id = kind && (idFromPath(kind) || single(form));
    if (!id) return Promise.resolve();
    var blank = form.hasAttribute("data-offline-form");  // the worker's per-kind form
    return S.tx(["records"], "readonly", function (t) { return S.get(t.objectStore("records"), kind + ":" + id); })
      .then(function (local) {
        if (!local) return;
        var version = kx.drafts.field(form, "version");
        var shown = version && parseInt(version.value, 10) || 0;
        if (!blank && !local.pending && (local.version || 0) <= shown) return;  // the page is as new
        if (local.deleted) {
          notice(form, "This entry is deleted on this device and waiting to sync. Undo the delete from the list to open it again.");
          form.hidden = true;
          kx.$all("form[data-delete-kind]").forEach(function (f) { f.hidden = true; });
          return;
        }
        fill(form, kind, local.data || {});
        setVersion(local.local_version || local.version || 1);
        if (local.pending) notice(form, "Opened from this device: your latest changes are here, waiting to sync.");
      });
  }

  // Fill first, then offer the draft (drafts.js): a draft is newer than what was saved.
  var restoreDraft = kx.drafts.restore;
  kx.drafts.restore = function (form) {
    var draft = function () { return restoreDraft(form); };
    return open(form).then(draft, draft);
  };

  kx.records = { open: open, fill: fill };
})();
