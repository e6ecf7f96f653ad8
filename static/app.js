// All htmx event handling for kexpwa lives in this file (htmx 2.0.11, vendored).
// No inline scripts anywhere: the CSP is script-src 'self'.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // htmx 2 does not swap 4xx bodies by default; ours are field-level error partials (422)
  // and friendly error pages, so swap them and let the person see what went wrong.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status === 401) {
      window.location.assign("/login?ended=1");
    }
  });

  // Move focus to the first error after a swap, or announce the swap's status message.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var firstError = target.querySelector("[aria-invalid='true'], .error-summary");
    if (firstError) {
      firstError.focus();
      return;
    }
    var message = target.querySelector("[data-status-message]");
    var status = document.getElementById("status");
    if (message && status) {
      status.textContent = message.getAttribute("data-status-message");
    }
  });

  // A list shown in place after a save (js/page/swap.js) whose address a pager link moved:
  // Back to the list's own entry must load it again.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    if (window.kx && window.kx.swap) window.kx.swap.moved();
  });

  document.addEventListener("htmx:sendError", function () {
    var status = document.getElementById("status");
    if (status) status.textContent = "No connection. Your work is still on this page.";
  });

  // Text areas grow as you type.
  function grow(area) {
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el instanceof HTMLTextAreaElement) grow(el);
    // Length counters are checks.js's (page client): limits from the client config, no maxlength.
  });

  // Quick-fill buttons (e.g. durations): shown only with JavaScript; without it the field's
  // datalist offers the same choices.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-fill]");
    var group = button && button.closest("[data-quick-fill]");
    var field = group && document.getElementById(group.getAttribute("data-quick-fill"));
    if (!field) return;
    field.value = button.getAttribute("data-fill");
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
  });

  // Focus the first error summary on full page loads, too. (A form cached by an older worker
  // still has its quick-fill buttons hidden: show them.)
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-quick-fill][hidden]").forEach(function (group) {
      group.hidden = false;
    });
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
    document.querySelectorAll("textarea").forEach(grow);
  });
})();
