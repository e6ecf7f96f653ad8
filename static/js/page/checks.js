// Page client: checks on the phone. Before a capture form is saved to the device it is checked
// with the server's own rules, so no mistake waits for signal to be pointed out:
// - the duration parser (a copy of kexpwa/domain/durations.py, same words; both run the shared
//   vectors in tests/vectors/durations.json),
// - required fields, real dates no more than a day ahead, and text limits. The limits come from
//   the client config (kexpwa.domain.checks): the server's limit and the phone's are one setting.
// Errors show in the GOV.UK pattern, like the server's own (_fields.html): a summary at the top
// linking to each field, and the message beside the field. Text is never cut: a long field keeps
// every character, says how long it is, and the form will not save until it is shortened.
(function () {
  "use strict";
  var kx = window.kx;

  // Python's str.isspace() characters, so strip() and split() agree with the server's.
  var WS = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var SPACE = new RegExp("[" + WS + "]");
  var RUNS = new RegExp("[" + WS + "]+");
  var UNIT_H = "(?:h|hr|hrs|hour|hours)", UNIT_M = "(?:m|min|mins|minute|minutes)", S = "[ \\t\\n\\r\\f\\v]*";
  // [pattern, group index of hours, group index of minutes] in the server's order.
  var PATTERNS = [
    [new RegExp("^(\\d+(?:\\.\\d+)?)" + S + UNIT_H + S + "(?:(\\d+)" + S + UNIT_M + "?)?$"), 1, 2],
    [new RegExp("^(\\d+)" + S + UNIT_M + "?$"), 0, 1],
    [/^(\d+):([0-5]\d)$/, 1, 2],
    [/^(\d*\.\d+)$/, 1, 0]
  ];
  var TRY = "Try 1h 30, 90 (minutes) or 1.5h.";

  // By hand, not /\s+$/: that regex is quadratic on a long run of spaces in a pasted text.
  function strip(text) {
    var start = 0, end = text.length;
    while (start < end && SPACE.test(text.charAt(start))) start++;
    while (end > start && SPACE.test(text.charAt(end - 1))) end--;
    return text.slice(start, end);
  }
  function chars(text) { return Array.from(text).length; }  // code points, as Python's len()

  // Python's round(): halves go to the even neighbour.
  function roundHalfEven(x) {
    var r = Math.round(x);
    if (Math.abs(x % 1) === 0.5) r = 2 * Math.round(x / 2);
    return r;
  }

  function durationRules() {
    var time = kx.kinds.time || {};
    return time.duration || { max_minutes: 1440, max_text: 30 };
  }

  // {minutes: n} or {error: "the server's words"}.
  function parseDuration(text) {
    var rules = durationRules();
    var cleaned = strip(text).toLowerCase().replace(/,/g, ".").split(RUNS).filter(Boolean).join(" ");
    if (!cleaned) return { error: "Enter how long it took, for example 1h 30 or 45." };
    if (chars(cleaned) > rules.max_text) {
      return { error: "That is too long for a duration. " + TRY };
    }
    for (var i = 0; i < PATTERNS.length; i++) {
      var match = PATTERNS[i][0].exec(cleaned);
      if (!match) continue;
      var h = PATTERNS[i][1] ? match[PATTERNS[i][1]] : undefined;
      var m = PATTERNS[i][2] ? match[PATTERNS[i][2]] : undefined;
      var hours = h ? parseFloat(h) : 0, minutes = m ? parseInt(m, 10) : 0;
      if (h !== undefined && minutes >= 60) {
        return { error: "Minutes after hours must be under 60, for example 1h 45." };
      }
      var total = roundHalfEven(hours * 60) + minutes;
      if (total <= 0) return { error: "The time spent must be more than zero." };
      if (total > rules.max_minutes) {
        return { error: "One entry can be at most 24 hours. Split longer work into days." };
      }
      return { minutes: total };
    }
    return { error: "Could not understand \u201c" + Array.from(strip(text)).slice(0, 20).join("") + "\u201d. " + TRY };
  }

  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function characters(n) { return thousands(n) + (n === 1 ? " character" : " characters"); }

  function fieldId(name) { return "f-" + name.replace(/\./g, "-").replace(/_/g, "-"); }

  // The field's label as the server names it: the <label> without "(optional)".
  function labelOf(el) {
    var label = el.id && document.querySelector('label[for="' + el.id + '"]');
    if (!label) return el.name;
    var copy = label.cloneNode(true);
    kx.$all(".optional", copy).forEach(function (o) { o.remove(); });
    return strip(copy.textContent);
  }

  function limitOf(form, el) {
    var limits = (kx.kinds[form.getAttribute("data-kind")] || {}).limits || {};
    var key = el.name.indexOf("sections.") === 0 ? "sections" : el.name;
    return limits[key] || 0;
  }

  // The length the server measures: line endings as \n, outer spaces stripped.
  function measured(value) { return chars(strip(value.replace(/\r\n?/g, "\n"))); }

  function tooLong(label, limit, length) {
    return label + " can be at most " + thousands(limit) + " characters; it is " + thousands(length) + ".";
  }

  // --- what the phone checks: {field name: message}, in the form's order ---

  function problems(form) {
    var errors = {}, sections = [], dates = kx.dates;
    kx.$all("input, textarea, select", form).forEach(function (el) {
      if (!el.name || el.type === "hidden" || el.disabled || errors[el.name]) return;
      if (el.type === "checkbox" || el.type === "radio") return;
      var value = el.value || "", label = labelOf(el), limit = limitOf(form, el);
      if (el.name.indexOf("sections.") === 0) sections.push(value);
      if (el.name === "duration") {
        var parsed = parseDuration(value);
        if (parsed.error) errors[el.name] = parsed.error;
        return;
      }
      if (!strip(value)) {
        if (el.required) {
          errors[el.name] = el.getAttribute("data-required") || "Enter " + label.toLowerCase() + ".";
        }
        return;
      }
      if (limit && measured(value) > limit) { errors[el.name] = tooLong(label, limit, measured(value)); return; }
      if (el.type === "date" && dates) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) errors[el.name] = label + " must be a real date, like 2026-11-26.";
        else if (value > dates.addDays(dates.today(), 1)) errors[el.name] = label + " cannot be more than a day in the future.";
        else if (value < "2000-01-01") errors[el.name] = label + " must be in 2000 or later.";
      }
    });
    var template = form.elements.namedItem("template");
    if (sections.length && template && template.value && !sections.some(function (s) { return strip(s); })) {
      errors.sections = "Write something in at least one section.";
    }
    return errors;
  }

  // --- showing them, as the server's _fields.html does ---

  function clear(form) {
    kx.$all(".error-summary", form).forEach(function (s) { s.remove(); });
    kx.$all(".field .error", form).forEach(function (e) { e.remove(); });
    kx.$all("[aria-invalid]", form).forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/-error$/.test(id);
      });
      if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
      else el.removeAttribute("aria-describedby");
    });
  }

  function showBeside(form, name, message) {
    var id = fieldId(name), el = document.getElementById(id);
    if (!el || !form.contains(el)) return;
    var error = document.createElement("span");
    error.className = "error"; error.id = id + "-error"; error.textContent = message;
    if (el.tagName === "FIELDSET") {
      var legend = el.querySelector("legend");
      el.insertBefore(error, legend ? legend.nextSibling : el.firstChild);
      return;
    }
    var box = el.closest(".field") || el.parentNode;
    var hint = document.getElementById(id + "-hint");
    var after = hint && box.contains(hint) ? hint : box.querySelector("label");
    if (after && after.parentNode === box) box.insertBefore(error, after.nextSibling);
    else box.insertBefore(error, el);
    el.setAttribute("aria-invalid", "true");
    var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    el.setAttribute("aria-describedby", [error.id].concat(ids).join(" "));
  }

  function show(form, errors) {
    clear(form);
    var names = Object.keys(errors);
    if (!names.length) return 0;
    var summary = document.createElement("div");
    summary.className = "error-summary"; summary.setAttribute("role", "alert"); summary.tabIndex = -1;
    summary.setAttribute("aria-labelledby", "error-summary-title");
    var title = document.createElement("h2");
    title.id = "error-summary-title";
    title.textContent = names.length === 1 ? "There is a problem with 1 field." : "There are problems with " + names.length + " fields.";
    var list = document.createElement("ul");
    names.forEach(function (name) {
      var item = document.createElement("li"), link = document.createElement("a");
      link.href = "#" + fieldId(name); link.textContent = errors[name];
      item.appendChild(link); list.appendChild(item);
      showBeside(form, name, errors[name]);
    });
    summary.appendChild(title); summary.appendChild(list);
    var first = kx.$(".field, fieldset, p", form);
    form.insertBefore(summary, first || form.firstChild);
    summary.focus();
    return names.length;
  }

  // The summary's links move focus to the field (the page does not scroll under a sticky bar).
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    var focusable = target.matches("fieldset") ? (target.querySelector("input, textarea, select") || target) : target;
    focusable.focus();
    if (focusable.scrollIntoView) focusable.scrollIntoView({ block: "center" });
  });

  // --- live length: the limit shows before it is reached, and a long paste keeps every character ---

  function counterFor(el) {
    var id = el.getAttribute("data-counter") || el.id + "-count";
    var counter = document.getElementById(id);
    if (!counter) {
      counter = document.createElement("span");
      counter.id = id; counter.className = "hint counter"; counter.hidden = true;
      el.parentNode.insertBefore(counter, el.nextSibling);
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(id) < 0) el.setAttribute("aria-describedby", ids.concat([id]).join(" "));
    }
    if (!counter.hasAttribute("data-idle")) counter.setAttribute("data-idle", counter.textContent);
    return counter;
  }

  // "idle" far from the limit, "near" within a tenth of it, "over" past it.
  function lengthState(length, limit) {
    if (length > limit) return "over";
    return limit - length <= Math.max(20, Math.floor(limit / 10)) ? "near" : "idle";
  }

  function updateLength(form, el) {
    var limit = limitOf(form, el);
    if (!limit) return;
    var length = measured(el.value || ""), state = lengthState(length, limit);
    var counter = counterFor(el), before = counter.getAttribute("data-state") || "idle";
    var left = limit - length, label = labelOf(el);
    counter.setAttribute("data-state", state);
    counter.classList.toggle("over", state === "over");
    if (state === "idle") {
      counter.textContent = counter.getAttribute("data-idle");
      counter.hidden = !counter.textContent;
    } else if (state === "near") {
      counter.hidden = false;
      counter.textContent = characters(left) + " left (the limit is " + thousands(limit) + ").";
    } else {
      counter.hidden = false;
      counter.textContent = "Too long: " + thousands(length) + " characters, and the limit is " + thousands(limit) +
        ". Nothing has been cut. Remove " + characters(-left) + " to save.";
    }
    if (state !== before) {
      // Said once as the field crosses a line, not on every keystroke.
      if (state !== "idle") kx.announce(label + ": " + counter.textContent);
      if (state === "idle" && before === "over") kx.announce(label + " is within its limit again.");
    }
  }

  document.addEventListener("input", function (event) {
    var el = event.target, form = el && el.form;
    if (!form || !form.hasAttribute("data-kind") || !el.name) return;
    updateLength(form, el);
  });

  function prepare(form) {
    kx.$all("input, textarea", form).forEach(function (el) {
      if (el.name && el.type !== "hidden" && limitOf(form, el)) updateLength(form, el);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { kx.$all("form[data-kind]").forEach(prepare); });
  // A restored draft fills fields without an input event: count again when one is reached.
  document.addEventListener("focusin", function (event) {
    var el = event.target, form = el && el.form;
    if (form && form.hasAttribute("data-kind") && el.name && el.type !== "hidden") updateLength(form, el);
  });

  // Check the form and show what is wrong; the number of problems (0: it may be saved).
  function run(form) { return show(form, problems(form)); }

  kx.checks = { duration: parseDuration, problems: problems, run: run, prepare: prepare };
})();
