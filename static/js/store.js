// kexpwa on-device store (IndexedDB). Shared by the pages and the service worker
// (importScripts), so it touches no DOM. One database per person, "kexpwa-<opaque user key>"
// (use(key) chooses it): a second person on a shared phone gets a fresh store, and the first
// person's queue stays aside, untouched, until they sign in again. Stores:
//   meta       key/value: client_id, next_seq, owner (the same key), cursor, last_sync
//   outbox     mutations waiting for the server, keyPath seq (allocated in the same transaction)
//   attention  mutations the server rejected or found in conflict, waiting for a choice, and
//              notices of changes applied with their sharing kept off ("held")
//   drafts     unsaved form contents, keyPath key
//   records    the user's records as last pulled or queued, keyPath key ("kind:id")
// Upgrades are additive: a new version may add stores and indexes, never drop one that can
// hold unsynced data (outbox, attention, drafts).
(function (scope) {
  "use strict";
  var PREFIX = "kexpwa-", LEGACY = "kexpwa";  // LEGACY: the one shared database before per-person stores
  var DB_VERSION = 1;
  var STORES = ["meta", "outbox", "attention", "drafts", "records"];
  var name = "", owner = "";
  var opening = null;

  function promisify(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Only a signed-in page may create the database (kx.js sets allowCreate). Everything
  // else (the worker, the sign-in page, a timer firing after a sign-out wiped the store) opens
  // it only if it exists, so a wipe is never undone by an empty store coming back.
  var api = { allowCreate: false };

  // Choose whose store this is; a different person closes the open one first.
  function use(key) {
    if (key === owner) return;
    if (opening) opening.then(function (db) { db.close(); }, function () {});
    opening = null;
    owner = key || "";
    name = owner ? PREFIX + owner : "";
  }

  function open() {
    if (opening) return opening;
    if (!name) return Promise.reject(new Error("no person chosen for the kexpwa store"));
    if (!api.allowCreate) {
      return exists().then(function (present) {
        if (!present) throw new Error("no kexpwa store on this device");
        return openExisting();
      });
    }
    return openExisting();
  }

  function openExisting() {
    if (opening) return opening;
    var p = opening = raw(name, function (db) { db.createObjectStore("meta").put(owner, "owner"); });
    p.catch(function () { if (opening === p) opening = null; });
    return p;
  }

  // Open (creating if need be) database ``dbName``; ``created(db)`` fills a new one.
  function raw(dbName, created) {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(dbName, DB_VERSION);
      request.onupgradeneeded = function (event) {
        var db = request.result;
        if (event.oldVersion < 1) {
          if (created) created(db);
          db.createObjectStore("outbox", { keyPath: "seq" });
          db.createObjectStore("attention", { keyPath: "mutation_id" });
          db.createObjectStore("drafts", { keyPath: "key" });
          db.createObjectStore("records", { keyPath: "key" });
        }
      };
      request.onsuccess = function () {
        var db = request.result;
        // Another tab or a new worker wants to upgrade or wipe: let it.
        db.onversionchange = function () {
          db.close();
          if (opening && db.name === name) opening = null;
        };
        resolve(db);
      };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { /* another tab holds an older version open */ };
    });
  }

  // Run work(tx) in one transaction; resolves with work's result once the transaction
  // COMPLETES (with strict durability for writes), so callers only report "saved" after that.
  function tx(names, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var options = mode === "readwrite" ? { durability: "strict" } : undefined;
        var t = db.transaction(names, mode, options);
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("transaction aborted")); };
        Promise.resolve(work(t)).then(function (value) { result = value; }, function (err) {
          try { t.abort(); } catch (e) { /* already finished */ }
          reject(err);
        });
      });
    });
  }

  function all(store) { return promisify(store.getAll()); }
  function get(store, key) { return promisify(store.get(key)); }

  function uuid() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    var b = scope.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function getMeta(key) {
    return tx(["meta"], "readonly", function (t) { return get(t.objectStore("meta"), key); });
  }

  function setMeta(key, value) {
    return tx(["meta"], "readwrite", function (t) { t.objectStore("meta").put(value, key); });
  }

  // Queue a mutation: seq, client_id, base_version and the local record copy are all settled
  // in the same strict transaction, before any network attempt.
  function enqueue(kind, op, recordId, data, formVersion, extra) {
    return tx(["meta", "outbox", "records"], "readwrite", function (t) {
      var meta = t.objectStore("meta");
      var records = t.objectStore("records");
      var key = kind + ":" + recordId;
      return Promise.all([get(meta, "client_id"), get(meta, "next_seq"), get(records, key)])
        .then(function (values) {
          var clientId = values[0], seq = values[1] || 1, local = values[2];
          if (!clientId) { clientId = uuid(); meta.put(clientId, "client_id"); }
          meta.put(seq + 1, "next_seq");
          var base = local ? local.local_version : (formVersion || 0);
          var mutation = {
            // An edit on top of an edit still in the queue names it (see PROTOCOL.md,
            // "Offline edits on top of offline edits").
            base_mutation_id: local && local.pending && local.last_mutation_id || undefined,
            seq: seq,
            client_id: clientId,
            mutation_id: uuid(),
            kind: kind + "." + op,
            record_id: recordId,
            base_version: base || null,
            data: data,
            client_time: new Date().toISOString(),
            queued_at: Date.now()
          };
          if (extra && extra.base_version !== undefined) mutation.base_version = extra.base_version || null;
          if (extra && extra.resolves) mutation.resolves = extra.resolves;
          if (extra && extra.base_version !== undefined) delete mutation.base_mutation_id;
          t.objectStore("outbox").add(mutation);
          var merged = Object.assign({}, local ? local.data : {}, data || {});
          records.put({
            key: key, kind: kind, id: recordId, last_mutation_id: mutation.mutation_id,
            version: local ? local.version : (formVersion || 0),
            local_version: (base || 0) + 1,
            deleted: op === "delete" ? true : (op === "restore" ? false : (local ? local.deleted : false)),
            pending: true,
            data: merged
          });
          return mutation;
        });
    });
  }

  // The names of kexpwa's databases on this device (null where the browser cannot list them).
  function names() {
    if (!indexedDB.databases) return Promise.resolve(null);
    return indexedDB.databases().then(function (list) {
      return list.map(function (d) { return d.name; });
    }, function () { return null; });
  }

  // Whether this person's database exists, without creating it: the worker must not bring
  // back an empty store on the sign-in page after a sign-out wiped it.
  function exists() {
    return names().then(function (list) { return !list || list.indexOf(name) >= 0; });
  }

  function countIn(t) {
    var c = function (s) { return promisify(t.objectStore(s).count()); };
    return Promise.all([c("outbox"), c("attention"), c("drafts")])
      .then(function (v) { return { pending: v[0], attention: v[1], drafts: v[2] }; });
  }

  // What has not reached the server: the queue, and the tray's items but its notices that an
  // entry's sharing was kept off (that entry is on the server).
  function unsentIn(t) {
    return Promise.all([promisify(t.objectStore("outbox").count()), all(t.objectStore("attention"))])
      .then(function (v) { return v[0] + v[1].filter(function (i) { return i.status !== "held"; }).length; });
  }

  function unsent() { return tx(["outbox", "attention"], "readonly", unsentIn); }

  // Other people's stores on this device: [{key, unsent}]. Only counts are read: what they
  // hold is never shown to the person signed in now.
  function others() {
    return names().then(function (list) {
      return Promise.all((list || []).filter(function (n) {
        return n.indexOf(PREFIX) === 0 && n !== name;
      }).map(function (n) {
        return raw(n).then(function (db) {
          return unsentIn(db.transaction(["outbox", "attention"], "readonly")).then(function (count) {
            db.close();
            return { key: n.slice(PREFIX.length), unsent: count };
          });
        });
      }));
    });
  }

  // Move the shared database of earlier versions into its owner's own store, so an update
  // loses nothing: same stores, same rows, then the old one goes.
  function adoptLegacy() {
    return names().then(function (list) {
      if (!list || list.indexOf(LEGACY) < 0) return;
      return raw(LEGACY).then(function (old) {
        var t = old.transaction(STORES, "readonly"), dump = {};
        return Promise.all(STORES.map(function (s) {
          var store = t.objectStore(s);
          return Promise.all([promisify(store.getAll()), promisify(store.getAllKeys())])
            .then(function (v) { dump[s] = v; });
        })).then(function () {
          old.close();
          var metaKeys = dump.meta[1], who = dump.meta[0][metaKeys.indexOf("owner")];
          // No owner: never used by a signed-in page. Whose unsent rows these are is unknown,
          // so they are left where they are rather than given to anyone.
          if (!who) return dump.outbox[0].length + dump.attention[0].length ? null : dropDb(LEGACY);
          return raw(PREFIX + who, function (db) { db.createObjectStore("meta"); }).then(function (db) {
            return new Promise(function (resolve, reject) {
              var w = db.transaction(STORES, "readwrite", { durability: "strict" });
              STORES.forEach(function (s) {
                dump[s][0].forEach(function (row, i) {
                  if (s === "meta") w.objectStore(s).put(row, metaKeys[i]);
                  else w.objectStore(s).put(row);
                });
              });
              w.oncomplete = function () { db.close(); resolve(); };
              w.onerror = w.onabort = function () { db.close(); reject(w.error); };
            });
          }).then(function () { return dropDb(LEGACY); });
        });
      });
    });
  }

  function counts() { return tx(["outbox", "attention", "drafts"], "readonly", countIn); }

  function wipe() {
    api.allowCreate = false;
    var gone = function () { opening = null; return dropDb(name); };
    return opening ? opening.then(function (db) { db.close(); return gone(); }, gone) : gone();
  }

  // Delete a database (another person's only by their explicit choice, or once it is empty).
  function dropDb(dbName) {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.deleteDatabase(dbName);
      request.onsuccess = function () { resolve(); };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { resolve(); };  // completes when the others close
    });
  }

  scope.kxStore = Object.assign(api, {
    open: open, tx: tx, all: all, get: get, promisify: promisify, uuid: uuid,
    getMeta: getMeta, setMeta: setMeta, enqueue: enqueue, counts: counts, unsent: unsent, wipe: wipe,
    exists: exists, use: use, others: others, adoptLegacy: adoptLegacy,
    drop: function (key) { return dropDb(PREFIX + key); },
    owner: function () { return owner; }
  });
})(self);
