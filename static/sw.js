// kexpwa service worker (hand-written; no Workbox queue). Version __VERSION__.
// The server writes the precache list (content-hashed URLs) into this file at /sw.js, so any
// changed asset changes the worker. A new worker waits until the person chooses "Update now".
/* global kxStore, kxSync */
"use strict";
importScripts("/static/js/store.js", "/static/js/sync.js");

var VERSION = "__VERSION__";
var STATIC_CACHE = "kexpwa-static-" + VERSION;
var PAGE_PREFIX = "kexpwa-pages-";
var PRECACHE = "__PRECACHE__";
var OFFLINE_URL = "__OFFLINE_URL__";
var NAV_TIMEOUT_MS = 3500;
var NEVER_CACHE = /^\/(login|logout|sync\/|api\/|sw\.js|healthz)/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(PRECACHE); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf("kexpwa-static-") === 0 && n !== STATIC_CACHE;
      }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function userCache() {
  return kxStore.exists().then(function (present) {
    return present ? kxStore.getMeta("owner") : null;
  }).then(function (owner) {
    return owner ? caches.open(PAGE_PREFIX + owner) : null;
  }).catch(function () { return null; });
}

function timeout(ms) {
  return new Promise(function (_, reject) { setTimeout(function () { reject(new Error("timeout")); }, ms); });
}

function cacheable(url, response) {
  return response && response.ok && response.type === "basic" && !response.redirected &&
    !NEVER_CACHE.test(url.pathname) && !url.search.match(/[?&]q=/);  // no search text stored
}

function navigate(request) {
  var url = new URL(request.url);
  var network = fetch(request).then(function (response) {
    if (cacheable(url, response)) {
      var copy = response.clone();
      userCache().then(function (cache) { if (cache) cache.put(url.pathname + url.search, copy); });
    }
    return response;
  });
  return Promise.race([network, timeout(NAV_TIMEOUT_MS)]).catch(function () {
    return userCache().then(function (cache) {
      return cache ? cache.match(url.pathname + url.search) : undefined;
    }).then(function (hit) {
      if (hit) return hit;
      return network.catch(function () {
        return caches.match(OFFLINE_URL).then(function (page) {
          return page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
        });
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
  // htmx fragments, /sync and /api go to the network only.
});

// Cache the pages a practitioner needs offline, for the signed-in user only.
function warm(owner, urls) {
  return caches.open(PAGE_PREFIX + owner).then(function (cache) {
    return Promise.all(urls.map(function (path) {
      return fetch(path, { credentials: "same-origin" }).then(function (response) {
        if (cacheable(new URL(path, self.location.origin), response)) return cache.put(path, response);
      }).catch(function () { /* offline now; try next start */ });
    }));
  });
}

function wipePages() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf(PAGE_PREFIX) === 0; })
      .map(function (n) { return caches.delete(n); }));
  });
}

function tellClients(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (list) {
    list.forEach(function (client) { client.postMessage(message); });
  });
}

// Only flush a store that exists: after a sign-out wiped it there is nothing to send.
function flushIfAny() {
  return kxStore.exists().then(function (present) {
    if (present) return kxSync.flush({ force: true });
  });
}

kxSync.on(function (detail) { tellClients({ type: "sync", detail: detail }); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "SKIP_WAITING") self.skipWaiting();
  else if (data.type === "WARM" && data.owner) event.waitUntil(warm(data.owner, data.urls || []));
  else if (data.type === "WIPE") event.waitUntil(wipePages().then(function () { tellClients({ type: "wiped" }); }));
  else if (data.type === "FLUSH") event.waitUntil(flushIfAny());
});

// Chromium's Background Sync: flush when connectivity returns, even with the app closed.
self.addEventListener("sync", function (event) {
  if (event.tag === "kexpwa-flush") event.waitUntil(flushIfAny());
});
