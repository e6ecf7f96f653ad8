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
// No request of the worker's is left open for ever: on a network that accepts and never
// answers, hung requests keep the browser's few connections to the server (WebKit's are
// per host), and every later request, a sync included, would queue behind them. A navigation
// still waits for the network this long (to refresh the cache, or for a page with no copy),
// then gives up.
var NETWORK_LIMIT_MS = 20000;
// {kind: {list, label, edit: "/notes/{id}/edit", form: "/notes/offline-edit"}}, written in by
// the server like PRECACHE. ``form`` is the kind's edit form for no record in particular
// (kexpwa.views.capture.offline_edit_form), with these markers where the id and version go.
var KINDS = "__KINDS__";
var ID_MARK = "kx-record-id", VERSION_MARK = "kx-record-version";
var ICON = "__ICON__";
// The admin's and account pages are office work, never needed offline: lists of people and
// the audit trail are not kept on a device; nor the research fellow's export pages, nor
// "Notifications" (it needs the network).
var NEVER_CACHE = /^\/(login|logout|sync\/|api\/|sw\.js|healthz|admin|account|research\/|notifications)/;
// Who is signed in now (an opaque key; "" for nobody or unknown), as last learned from the
// network: the X-Kexpwa-User header of a page, or /api/session. Kept in a cache of its own so
// a restarted worker still knows it offline. It chooses the page cache; it is never taken from
// the on-device store, whose owner may be someone who has since gone.
var SESSION_CACHE = "kexpwa-session";
var current = null;

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

var staticCache = null;
function statics() {
  if (!staticCache) staticCache = caches.open(STATIC_CACHE).catch(function (err) { staticCache = null; throw err; });
  return staticCache;
}

function known() {
  if (current !== null) return Promise.resolve(current);
  return caches.open(SESSION_CACHE).then(function (c) { return c.match("/current"); })
    .then(function (hit) { return hit ? hit.text() : ""; })
    .then(function (key) { if (current === null) current = key; return current; })
    .catch(function () { return ""; });
}

function learn(key) {
  key = key || "";
  if (key === current) return Promise.resolve();
  current = key;
  return caches.open(SESSION_CACHE).then(function (c) { return c.put("/current", new Response(key)); });
}

function limited(request, init) {
  if (typeof AbortController !== "function") return fetch(request, init);
  var controller = new AbortController();
  // Not cleared on the answer: the body is read after it, and aborting after that is a no-op.
  setTimeout(function () { controller.abort(); }, NETWORK_LIMIT_MS);
  return fetch(request, Object.assign({}, init, { signal: controller.signal }));
}

function timeout(ms) {
  return new Promise(function (_, reject) { setTimeout(function () { reject(new Error("timeout")); }, ms); });
}

function cacheable(url, response) {
  return response && response.ok && response.type === "basic" && !response.redirected &&
    !NEVER_CACHE.test(url.pathname) && !url.search.match(/[?&]q=/);  // no search text stored
}

// Which kind and record an edit page is for, by the kinds' edit paths; null for other pages.
function editTarget(pathname) {
  var found = null;
  Object.keys(KINDS).forEach(function (kind) {
    var parts = (KINDS[kind].edit || "").split("{id}");
    if (found || parts.length !== 2 || pathname.indexOf(parts[0]) !== 0) return;
    var id = pathname.slice(parts[0].length, pathname.length - parts[1].length);
    if (/^[0-9a-f-]{36}$/.test(id) && parts[0] + id + parts[1] === pathname) found = { kind: kind, id: id };
  });
  return found;
}

// An edit page the device has no copy of, for a record it holds (written offline, or synced
// but never opened): the kind's offline edit form, kept per kind (per template for the
// journal), with this record's id and version written in. The page fills in the fields from
// the on-device copy (js/page/records.js). Resolves undefined when it cannot.
function offlineEdit(url) {
  var target = editTarget(url.pathname);
  if (!target) return Promise.resolve(undefined);
  var kind = target.kind, id = target.id;
  return known().then(function (key) {
    if (!key) return undefined;
    kxStore.use(key);
    return kxStore.exists().then(function (present) {
      if (!present) return undefined;
      return kxStore.tx(["records"], "readonly", function (t) { return kxStore.get(t.objectStore("records"), kind + ":" + id); });
    }).then(function (record) {
      if (!record || record.read_only) return undefined;
      var template = record.data && record.data.template;
      if (!KINDS[kind].form) return undefined;
      var form = KINDS[kind].form + (template ? "?template=" + encodeURIComponent(template) : "");
      return caches.open(PAGE_PREFIX + key).then(function (c) { return c.match(form); }).then(function (hit) {
        if (!hit) return undefined;
        var version = String(record.local_version || record.version || 1);
        return hit.text().then(function (html) {
          // Marked, so the page knows to fill every field from the device (js/page/records.js).
          html = html.split('data-record-id="' + ID_MARK + '"').join('data-record-id="' + ID_MARK + '" data-offline-form');
          return new Response(html.split(ID_MARK).join(id).split(VERSION_MARK).join(version),
            { status: 200, headers: hit.headers });
        });
      });
    });
  }).catch(function () { return undefined; });
}

function forget(response, url) {
  var named = response.headers.get("X-Kexpwa-User");
  (named ? Promise.resolve(named) : known()).then(function (key) {
    if (key) return caches.open(PAGE_PREFIX + key).then(function (c) { return c.delete(url.pathname + url.search); });
  }).catch(function () { /* nothing cached */ });
}

function navigate(request) {
  var url = new URL(request.url);
  // A navigation request given an init becomes a same-origin one; it keeps its manual
  // redirects and its credentials.
  var network = limited(request).then(function (response) {
    // A page names the person it was rendered for; a sign-in page or a redirect (to sign-in
    // after a session ended) names nobody. The page goes into that person's cache only.
    if (response.type === "opaqueredirect" || response.ok && response.type === "basic") {
      var key = response.headers.get("X-Kexpwa-User") || "";
      learn(key);
      if (key && cacheable(url, response)) {
        var copy = response.clone();
        caches.open(PAGE_PREFIX + key).then(function (cache) { cache.put(url.pathname + url.search, copy); });
      }
    }
    // A page the server no longer shows this person (an entry no longer shared with them, or
    // gone) leaves their page cache, so it is not served offline later.
    if ((response.status === 404 || response.status === 403) && response.type === "basic") forget(response, url);
    // An entry still waiting to sync is not on the server yet: open it from the device.
    if (response.status === 404) return offlineEdit(url).then(function (page) { return page || response; });
    return response;
  });
  return Promise.race([network, timeout(NAV_TIMEOUT_MS)]).catch(function () {
    // Only the person signed in now is shown cached pages; not knowing who, nobody is.
    return known().then(function (key) {
      return key ? caches.open(PAGE_PREFIX + key).then(function (c) { return c.match(url.pathname + url.search); }) : undefined;
    }).then(function (hit) {
      return hit || offlineEdit(url);
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
    // From this version's own cache by name: caches.match would look through every cache,
    // each person's pages included, for the stylesheet that holds up the first paint.
    event.respondWith(statics().then(function (cache) { return cache.match(request); })
      .catch(function () { return undefined; })
      .then(function (hit) { return hit || fetch(request); }));
  }
  // htmx fragments, /sync and /api go to the network only.
});

// Cache the pages a practitioner needs offline, for the signed-in user only (the page sends
// the key /api/session gave it).
function warm(owner, urls) {
  return learn(owner).then(function () { return caches.open(PAGE_PREFIX + owner); }).then(function (cache) {
    return Promise.all(urls.map(function (path) {
      // A redirect (to sign-in, after a sign-out meanwhile) is not followed: fetching the
      // sign-in page would give the browser a new sign-in token under the form being filled.
      // The header tells the server nobody is reading this yet: nothing is marked read or seen.
      return limited(path, { credentials: "same-origin", redirect: "manual", headers: { "X-Kexpwa-Warm": "1" } }).then(function (response) {
        // No longer shown to this person (an entry unshared since): drop the old copy.
        if ((response.status === 404 || response.status === 403) &&
            response.headers.get("X-Kexpwa-User") === owner) return cache.delete(path);
        // Only pages rendered for this person: a session that changed meanwhile stores nothing.
        if (response.headers.get("X-Kexpwa-User") === owner &&
            cacheable(new URL(path, self.location.origin), response)) return cache.put(path, response);
      }).catch(function () { /* offline now; try next start */ });
    }));
  });
}

function tellClients(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (list) {
    list.forEach(function (client) { client.postMessage(message); });
  });
}

// Flush the queue of the person signed in now, if the device holds one: after a sign-out
// wiped it there is nothing to send, and another person's queue is never sent (sync.js checks
// the owner again under the lock).
function flushIfAny() {
  return kxSync.session().then(function (info) {
    if (!info) return;
    kxStore.use(info.user);
    return learn(info.user).then(kxStore.exists).then(function (present) {
      if (present) return kxSync.flush({ force: true });
    });
  }).catch(function () { /* offline: the next trigger tries again */ });
}

kxSync.on(function (detail) { tellClients({ type: "sync", detail: detail }); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "SKIP_WAITING") self.skipWaiting();
  else if (data.type === "CLAIM") event.waitUntil(self.clients.claim());
  else if (data.type === "WARM" && data.owner) event.waitUntil(warm(data.owner, data.urls || []));
  else if (data.type === "FLUSH") event.waitUntil(flushIfAny());
});

// Chromium's Background Sync: flush when connectivity returns, even with the app closed.
self.addEventListener("sync", function (event) {
  if (event.tag === "kexpwa-flush") event.waitUntil(flushIfAny());
});

// Web Push (kexpwa.push). A payload holds a notification type's own words, a path inside the
// app and a tag (the same event pushed twice replaces the first notification); never names or
// entry text. The pages are told too, so an open page can say so.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var path = typeof data.url === "string" && /^\/(?!\/)/.test(data.url) ? data.url : "/";
  var options = { body: typeof data.body === "string" ? data.body : "", icon: ICON, badge: ICON, data: { url: path } };
  if (data.tag) options.tag = String(data.tag);
  event.waitUntil(self.registration.showNotification(typeof data.title === "string" ? data.title : "kexpwa", options)
    .then(function () { return tellClients({ type: "push", tag: options.tag || "", url: path }); }));
});

// A tap opens the app at the notification's page: an open window of the app goes there (and
// comes forward), otherwise a new one opens.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var path = (event.notification.data && event.notification.data.url) || "/";
  var url = new URL(path, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (list) {
    var open = list.filter(function (c) { return new URL(c.url).origin === self.location.origin; })[0];
    if (!open) return self.clients.openWindow(url);
    return open.navigate(url).then(function (client) {
      return (client || open).focus().catch(function () { /* focus needs the tap's activation */ });
    }).catch(function () { return self.clients.openWindow(url); });
  }));
});
