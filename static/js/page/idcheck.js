// Page client: the identifier warning at save (issue 15). Before forms.js queues a capture
// form, every scanned field (#kx-config's kinds[kind].scanned) is run through kx.identifiers;
// if anything looks like a CHI or NI number, a postcode, a phone number, an email address or a
// date of birth, the save stops and a warning lists each match highlighted in place, with
// "Edit" (to the field, the match selected) and "Save anyway" with an optional reason. Save
// anyway sends save_anyway=<reason> with the entry, through the same outbox (or the plain form
// post without IndexedDB). Nothing is lost either way: the text stays on screen and in its draft.
// The matched text is shown only on this screen: never logged, stored apart or sent elsewhere.
(function () {
  "use strict";
  var kx = window.kx;
  var REASONS = [
    ["not_identifier", "Not a real identifier"],
    ["about_me", "About me, not a family"],
    ["other", "Other"]
  ];
  var CONTEXT = 40;  // characters shown either side of a match

  function scannedFields(form) {
    var spec = kx.kinds[form.getAttribute("data-kind")] || {}, names = spec.scanned || [];
    return kx.$all("textarea[name], input[name]", form).filter(function (el) {
      if (el.type === "hidden" || el.type === "checkbox" || el.type === "radio" || el.disabled) return false;
      return names.some(function (n) {
        return n.charAt(n.length - 1) === "." ? el.name.indexOf(n) === 0 : el.name === n;
      });
    });
  }

  function labelOf(el) {
    var label = el.id && document.querySelector('label[for="' + el.id + '"]');
    if (!label) return el.name;
    var copy = label.cloneNode(true);
    kx.$all(".optional", copy).forEach(function (s) { s.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function findings(form) {
    var out = [];
    scannedFields(form).forEach(function (el) {
      kx.identifiers.scan(el.value || "").forEach(function (f) { out.push({ el: el, f: f }); });
    });
    return out;
  }

  function reasonField(form) {
    var field = form.querySelector("[name=save_anyway]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden"; field.name = "save_anyway";
      form.appendChild(field);
    }
    return field;
  }

  // The warning sits just before its form, outside it: its reason radios are never sent.
  function clearWarning(form) {
    var before = form.previousElementSibling;
    if (before && before.classList.contains("id-warning")) before.remove();
  }

  // A read-only preview of the text around the match, the match in a <mark>.
  function preview(text, f) {
    var pre = document.createElement("pre"), mark = document.createElement("mark");
    var from = Math.max(0, f.start - CONTEXT), to = Math.min(text.length, f.end + CONTEXT);
    pre.appendChild(document.createTextNode((from > 0 ? "\u2026" : "") + text.slice(from, f.start)));
    mark.textContent = text.slice(f.start, f.end);
    pre.appendChild(mark);
    pre.appendChild(document.createTextNode(text.slice(f.end, to) + (to < text.length ? "\u2026" : "")));
    return pre;
  }

  function editButton(item) {
    return kx.button("Edit", function () {
      item.el.focus();
      if (item.el.setSelectionRange) item.el.setSelectionRange(item.f.start, item.f.end);
      if (item.el.scrollIntoView) item.el.scrollIntoView({ block: "center" });
    }, "secondary");
  }

  function show(form, found) {
    clearWarning(form);
    var box = document.createElement("div"), n = 0;
    box.className = "id-warning stack";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("aria-labelledby", "id-warning-title");
    var title = document.createElement("h2");
    title.id = "id-warning-title";
    title.textContent = found.length === 1
      ? "This entry may identify a child or family"
      : "This entry may identify a child or family (" + found.length + " matches)";
    box.appendChild(title);
    var intro = document.createElement("p");
    intro.textContent = "Check each match. Edit it out, or save anyway if it is fine. Nothing is lost either way.";
    box.appendChild(intro);
    var list = document.createElement("ul");
    found.forEach(function (item) {
      var li = document.createElement("li"), what = document.createElement("strong");
      what.textContent = item.f.label.charAt(0).toUpperCase() + item.f.label.slice(1);
      li.appendChild(what);
      li.appendChild(document.createTextNode(" in " + labelOf(item.el) + ":"));
      li.appendChild(preview(item.el.value, item.f));
      li.appendChild(editButton(item));
      list.appendChild(li);
    });
    box.appendChild(list);

    var group = document.createElement("fieldset"), legend = document.createElement("legend");
    group.className = "choices";
    legend.textContent = "Why is it fine? (optional)";
    group.appendChild(legend);
    REASONS.forEach(function (r) {
      var wrap = document.createElement("div"), input = document.createElement("input"), label = document.createElement("label");
      wrap.className = "check";
      input.type = "radio"; input.name = "id-reason"; input.value = r[0]; input.id = "id-reason-" + (++n);
      label.setAttribute("for", input.id); label.textContent = r[1];
      wrap.appendChild(input); wrap.appendChild(label);
      group.appendChild(wrap);
    });
    box.appendChild(group);

    var actions = document.createElement("div");
    actions.className = "actions";
    actions.appendChild(kx.button("Edit", function () { editButton(found[0]).click(); }, "secondary"));
    actions.appendChild(kx.button("Save anyway", function () {
      var chosen = box.querySelector("input[name=id-reason]:checked");
      reasonField(form).value = chosen ? chosen.value : "yes";
      form.setAttribute("data-id-confirmed", "1");
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }, "primary"));
    box.appendChild(actions);
    var note = document.createElement("p");
    note.className = "hint";
    note.textContent = kx.identifiers.namesNote;
    box.appendChild(note);

    form.parentNode.insertBefore(box, form);
    box.focus();
    kx.announce("Check for identifiers before saving.");
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.getAttribute("data-kind") || !kx.identifiers.ready) return;
    if (form.getAttribute("data-id-confirmed") === "1") {
      // "Save anyway": this one submit goes on, with save_anyway set, to forms.js.
      form.removeAttribute("data-id-confirmed");
      return;
    }
    // "Save anyway" already chosen in the entry's identifier panel (the server's form).
    var chosen = form.querySelector("select[name=save_anyway]");
    if (chosen && chosen.value) return;
    // The server's rules first (checks.js shows them when forms.js runs).
    if (Object.keys(kx.checks.problems(form)).length) return;
    var found;
    try {
      found = findings(form);
    } catch (e) {
      // A browser that cannot run the rules saves as before; the server still flags the entry.
      return;
    }
    if (!found.length) {
      clearWarning(form);
      var field = form.querySelector("[name=save_anyway]");
      if (field) field.value = "";
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    show(form, found);
  }

  document.addEventListener("submit", onSubmit);

  kx.idcheck = { findings: findings, fields: scannedFields };
})();
