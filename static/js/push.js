// Notifications on this device (the Notifications page, kexpwa.views.push; loaded by that page
// alone, after js/page.js, whose window.kx it uses: templates/push/settings.html). The
// browser asks for permission only when the person taps "Turn on", never on page load. A
// subscription made with an older server key (after `kexpwa push-keys --rotate`) is replaced
// without asking again, as permission was already given; one the server may have forgotten is
// sent again, which also ties it to this sign-in (sign-out removes it).
(function () {
  "use strict";
  var kx = window.kx;
  var box = document.getElementById("push-device");
  if (!box) return;
  var key = box.getAttribute("data-public-key") || "";
  var state = document.getElementById("push-state");
  var on = kx.$("[data-action=push-on]", box), off = kx.$("[data-action=push-off]", box);
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  var ios = /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  var installed = (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches) || navigator.standalone === true;

  function bytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64url.length + 3) % 4);
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function sameKey(sub) {
    var have = sub.options && sub.options.applicationServerKey;
    if (!have) return true;  // the browser does not say: keep it
    var a = new Uint8Array(have), b = bytes(key);
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function post(url, body) {
    var token = document.querySelector('meta[name="csrf-token"]');
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": token ? token.content : "" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error((data.error && data.error.message) || "The server did not take it (" + r.status + ").");
        return data;
      });
    });
  }

  function show(subscribed, words) {
    on.hidden = subscribed || !supported;
    off.hidden = !subscribed;
    state.textContent = words;
  }

  function registration() { return navigator.serviceWorker.ready; }

  function send(sub) {
    return post(box.getAttribute("data-subscribe-url"), sub.toJSON()).then(function () {
      show(true, "Notifications are on for this device.");
    });
  }

  function subscribe(reg) {
    return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key) }).then(send);
  }

  function failed(err) {
    show(false, "Notifications could not be turned on: " + ((err && err.message) || "unknown error") + " Try again later.");
  }

  function refresh() {
    if (!supported || !key) return;
    if (Notification.permission === "denied") { document.getElementById("push-denied").hidden = false; return; }
    registration().then(function (reg) {
      return reg.pushManager.getSubscription().then(function (sub) {
        if (!sub) { show(false, state.textContent); return; }
        if (!sameKey(sub)) return sub.unsubscribe().then(function () { return subscribe(reg); });
        return send(sub);
      });
    }).catch(failed);
  }

  on.addEventListener("click", function () {
    state.textContent = "Turning notifications on…";
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        document.getElementById("push-denied").hidden = permission !== "denied";
        show(false, "Notifications stay off: the browser was not allowed to show them.");
        return;
      }
      return registration().then(subscribe);
    }).catch(failed);
  });

  off.addEventListener("click", function () {
    registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      if (!sub) return;
      var endpoint = sub.endpoint;
      return sub.unsubscribe().then(function () {
        return post(box.getAttribute("data-unsubscribe-url"), { endpoint: endpoint });
      });
    }).then(function () {
      show(false, "Notifications are off for this device.");
    }).catch(function () { show(true, "Notifications could not be turned off. Try again."); });
  });

  if (!supported) document.getElementById("push-unsupported").hidden = false;
  if (ios && !installed) document.getElementById("push-ios").hidden = false;
  if (supported && key) on.hidden = false;
  refresh();
})();
