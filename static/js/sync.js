// kexpwa sync client: pushes the outbox and pulls changes (see sync/PROTOCOL.md). Shared by
// pages and the service worker. One flusher at a time across tabs and the worker (Web Locks).
// A mutation leaves the outbox only when the server acknowledges its mutation_id: applied or
// duplicate (done), conflict or rejected (moved to the "Needs attention" tray, in the same
// transaction). Network errors, 5xx and 429 back off exponentially with jitter.
// A queue is only ever sent by the session of the person who wrote it: every flush first asks
// the server who is signed in and stops unless it is the store's owner; client_mismatch stops
// too (it is never renumbered into a new client id).
// A 401 with code "revoked" means the session was ended on purpose (signed out elsewhere,
// signed out everywhere, deactivated, the device revoked by an admin): this person's store
// and the page caches are wiped, and nothing more is sent.
(function (scope) {
  "use strict";
  var S = scope.kxStore;
  // Mutations per push until the server says how many it takes: /api/session's "limits" at
  // the start of every run, and X-Sync-Max-Mutations and X-Sync-Max-Bytes on every push answer
  // (see sync/PROTOCOL.md "Limits").
  var limits = { mutations: 50, bytes: 2097152 };

  function adopt(most, bytes) {
    if (most > 0) limits.mutations = most;
    if (bytes > 0) limits.bytes = bytes;
  }
  var encoder = typeof TextEncoder !== "undefined" ? new TextEncoder() : null;
  var state = { csrf: null, user: null, attempt: 0, nextAt: 0, signedOut: false, revoked: false, blocked: "", lastError: "", failedAt: 0 };
  var listeners = [];
  // Every request a flush makes ends within this: a network that accepts a connection and
  // never answers (one bar of signal, a captive portal) must not hold the flush lock, and so
  // every later flush, for ever. A push cut short is safe to send again (mutation ids).
  var REQUEST_TIMEOUT_MS = 20000;

  function request(url, init) {
    if (typeof AbortController !== "function") return fetch(url, init);
    var controller = new AbortController();
    // Not cleared on the answer: the body is read after it, and aborting after that is a no-op.
    setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    return fetch(url, Object.assign({}, init, { signal: controller.signal }));
  }

  // A server that answered with an error (a 5xx, or what no branch here expects), told apart
  // from one that could not be reached: the status line says which.
  function answered(what, status) {
    var error = new Error(what + " " + status);
    error.status = status;
    return error;
  }

  function emit(detail) {
    listeners.forEach(function (fn) { try { fn(detail); } catch (e) { /* listener bug */ } });
  }

  // A 401's code: "revoked" (wipe) or anything else (keep the entries, sign in again).
  function ended(response) {
    state.signedOut = true;
    return response.json().catch(function () { return {}; }).then(function (body) {
      state.revoked = !!(body && body.error && body.error.code === "revoked");
      return state.revoked ? "revoked" : "signed-out";
    });
  }

  // Everything kexpwa keeps for this person on the device: their database and the page caches.
  function wipe() {
    var pages = typeof caches === "undefined" ? Promise.resolve() : caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("kexpwa-pages-") === 0; })
        .map(function (n) { return caches.delete(n); }));
    });
    return Promise.all([S.wipe(), pages, dropPush()]);
  }

  // This device's push subscription goes with the rest (the server forgets it at sign-out or
  // revocation too): no reminder for the person who left reaches whoever has the phone next.
  function dropPush() {
    var reg = self.registration ? Promise.resolve(self.registration) :
      (self.navigator && navigator.serviceWorker ? navigator.serviceWorker.getRegistration() : Promise.resolve(null));
    return reg.then(function (r) { return r && r.pushManager ? r.pushManager.getSubscription() : null; })
      .then(function (sub) { return sub ? sub.unsubscribe() : false; })
      .catch(function () { return false; });
  }

  function session() {
    return request("/api/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401) return ended(r).then(function () { return null; });
        if (!r.ok) throw answered("session", r.status);
        state.signedOut = false;
        state.revoked = false;
        return r.json();
      })
      .then(function (info) {
        state.csrf = info ? info.csrf : null;
        state.user = info ? info.user : null;
        if (info && info.limits) adopt(parseInt(info.limits.mutations, 10), parseInt(info.limits.bytes, 10));
        return info;
      });
  }

  // "signed-out", "not-yours" (someone else is signed in now) or "" when this store's owner is.
  function whose() {
    return session().then(function () {
      if (state.revoked) return "revoked";
      if (state.signedOut) return "signed-out";
      return S.getMeta("owner").then(function (owner) { return owner && owner === state.user ? "" : "not-yours"; });
    });
  }

  function backoff() {
    state.attempt += 1;
    var base = Math.min(300000, 1000 * Math.pow(2, state.attempt - 1));
    state.nextAt = Date.now() + base / 2 + Math.random() * base / 2;  // "equal jitter"
  }

  function resetBackoff() { state.attempt = 0; state.nextAt = 0; }

  function post(body) {
    return request("/sync/push", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": state.csrf || "", Accept: "application/json" },
      body: body
    }).then(function (response) {
      adopt(parseInt(response.headers.get("X-Sync-Max-Mutations") || "", 10),
        parseInt(response.headers.get("X-Sync-Max-Bytes") || "", 10));
      return response;
    });
  }

  // The push body for the first of ``items`` that fit the server's limits (at most ``size``),
  // each mutation turned into JSON once.
  function pushBody(items, size) {
    var count = Math.min(size, limits.mutations, items.length);
    var head = '{"client_id":' + JSON.stringify(items[0].client_id) + ',"schema_version":1,"mutations":[';
    var parts = [], bytes = head.length + 2;
    for (var i = 0; i < count; i++) {
      var part = JSON.stringify(wireMutation(items[i]));
      var length = encoder ? encoder.encode(part).length : part.length * 3;
      if (parts.length && bytes + length + 1 > limits.bytes) break;
      parts.push(part);
      bytes += length + 1;
    }
    return { batch: items.slice(0, parts.length), body: head + parts.join(",") + "]}" };
  }

  function wireMutation(m) {
    var wire = { mutation_id: m.mutation_id, seq: m.seq, kind: m.kind, record_id: m.record_id,
                 base_version: m.base_version, client_time: m.client_time };
    if (m.data) wire.data = m.data;
    if (m.base_mutation_id) wire.base_mutation_id = m.base_mutation_id;
    if (m.resolves) wire.resolves = m.resolves;
    return wire;
  }

  // Renumber every queued mutation consecutively from ``first`` (PROTOCOL.md, "Recovering
  // from out_of_order"); ids and order are kept, so the server still recognises taken ones.
  function renumber(first) {
    return S.tx(["meta", "outbox"], "readwrite", function (t) {
      var outbox = t.objectStore("outbox");
      return S.all(outbox).then(function (items) {
        items.sort(function (a, b) { return a.seq - b.seq; });
        items.forEach(function (m) { outbox.delete(m.seq); });
        items.forEach(function (m, i) {
          m.seq = first + i;
          outbox.put(m);
        });
        t.objectStore("meta").put(first + items.length, "next_seq");
      });
    });
  }

  function kindOf(m) { return m.kind.split(".")[0]; }

  // Apply one push response to the store in a single transaction.
  function settle(batch, results) {
    var bySeq = {};
    batch.forEach(function (m) { bySeq[m.mutation_id] = m; });
    return S.tx(["outbox", "attention", "records"], "readwrite", function (t) {
      var outbox = t.objectStore("outbox"), tray = t.objectStore("attention"), records = t.objectStore("records");
      var touched = {};
      results.forEach(function (r) {
        var m = bySeq[r.mutation_id];
        if (!m || r.status === "out_of_order") return;  // not taken: stays queued
        if (r.status === "duplicate") r = Object.assign({}, r, { status: r.original_status || "applied" });
        outbox.delete(m.seq);
        var key = kindOf(m) + ":" + m.record_id;
        touched[key] = touched[key] || { result: r, m: m };
        touched[key].result = r; touched[key].m = m;
        if (r.status === "conflict" || r.status === "rejected") {
          tray.put(Object.assign({}, m, {
            status: r.status, code: r.code || r.status, message: r.message || "",
            fields: r.fields || {}, server: r.current || null, conflict_id: r.conflict_id || null,
            settled_at: Date.now()
          }));
        } else if (r.status === "applied" && held(r).length) {
          // Saved, but its sharing kept off until the likely identifiers are checked (PROTOCOL
          // "Identifier warnings"): the person must not go on believing it is shared.
          tray.put(Object.assign({}, m, {
            status: "held", code: "sharing_held", message: "", fields: {}, held: held(r),
            server: null, conflict_id: null, settled_at: Date.now()
          }));
        }
      });
      return S.all(outbox).then(function (left) {
        var stillPending = {};
        left.forEach(function (m) { stillPending[kindOf(m) + ":" + m.record_id] = true; });
        return Promise.all(Object.keys(touched).map(function (key) {
          return S.get(records, key).then(function (local) {
            var r = touched[key].result;
            local = local || { key: key, kind: key.split(":")[0], id: touched[key].m.record_id, data: {} };
            if (r.status === "applied" || r.status === "duplicate") {
              local.version = Math.max(local.version || 0, r.version || 0);
              if (held(r).length) {  // as the server keeps it: not shared
                local.data = Object.assign({}, local.data);
                held(r).forEach(function (name) { local.data[name] = false; });
              }
            } else if (r.status === "conflict" && r.current) {
              local.version = r.current.version;
              local.data = r.current.data || local.data;
              local.deleted = !!r.current.deleted;
            }
            if (!stillPending[key]) local.local_version = local.version;
            local.pending = !!stillPending[key];
            records.put(local);
          });
        }));
      });
    });
  }

  // The sharing choices an applied change's answer says were kept off (a list of names).
  function held(result) {
    return Array.isArray(result.sharing_held) ? result.sharing_held.filter(function (n) { return typeof n === "string"; }) : [];
  }

  function pushAll() {
    var size = Infinity;  // lowered by a 413 or 400, to find what the server cannot take
    var recovered = false;
    function round() {
      return S.tx(["outbox"], "readonly", function (t) { return S.all(t.objectStore("outbox")); })
        .then(function (items) {
          if (!items.length) return "done";
          items.sort(function (a, b) { return a.seq - b.seq; });
          var built = pushBody(items, size), batch = built.batch, retried = false;
          return post(built.body).then(function (response) {
            if (response.status === 403 && !retried) {
              retried = true;
              return whose().then(function (who) { return who ? who : post(built.body); });
            }
            return response;
          }).then(function (response) {
            if (typeof response === "string") return response;  // stopped before resending
            if (response.ok) {
              return response.json().then(function (payload) {
                var results = payload.results || [];
                var stuck = results.filter(function (r) { return r.status === "out_of_order"; })[0];
                return settle(batch, results).then(function () {
                  emit({ type: "pushed", count: batch.length });
                  if (!stuck) return round();
                  if (stuck.code === "seq_gap" || stuck.code === "seq_reused") {
                    if (recovered) throw new Error("push out of order twice");
                    recovered = true;
                    return renumber(stuck.expected_seq || (payload.last_seq + 1)).then(round);
                  }
                  return round();
                });
              });
            }
            if (response.status === 409) {
              // client_mismatch: the server has this client id under another account. Never
              // resend under a new id (that would move the entries between people): stop, ask.
              state.blocked = S.owner();  // for this person's store only (the worker serves several)
              return "blocked";
            }
            if (response.status === 401) return ended(response);
            if (response.status === 403) {
              state.signedOut = true;
              return "signed-out";
            }
            if (response.status === 413 || response.status === 400) {
              if (batch.length > 1) { size = Math.max(1, Math.floor(batch.length / 2)); return round(); }
              // One mutation the server cannot take at all: set it aside, keep the rest flowing.
              return response.json().catch(function () { return {}; }).then(function (payload) {
                var error = (payload && payload.error) || {};
                return settle(batch, [{ mutation_id: batch[0].mutation_id, status: "rejected",
                  code: error.code || "too_large", message: error.message || "The server could not accept this entry." }]);
              }).then(round);
            }
            throw answered("push", response.status);
          });
        });
    }
    return round();
  }

  // Someone stopped sharing entries with this person (a lead's read-only copies became
  // tombstones): their pages leave this person's page cache now, with the cached lists of
  // shared entries that named them (warmed again from the server on the next start).
  function prune(gone) {
    if (!gone.length || typeof caches === "undefined" || !S.owner()) return Promise.resolve();
    var paths = {};
    gone.forEach(function (c) { paths["/team/entries/" + c.kind + "/" + c.record_id] = true; });
    return caches.open("kexpwa-pages-" + S.owner()).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          var path = new URL(request.url).pathname;
          if (paths[path] || path === "/team/shared") return cache.delete(request);
        }));
      });
    }).catch(function () { /* no page cache here: nothing to drop */ });
  }

  function pullAll() {
    function page() {
      return S.getMeta("cursor").then(function (cursor) {
        var url = "/sync/pull?limit=200" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
        return request(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      }).then(function (response) {
        if (response.status === 401) {
          return ended(response).then(function (how) {
            if (how === "revoked") throw { revoked: true };
            emit({ type: "signed-out" });
            return false;
          });
        }
        if (!response.ok) throw answered("pull", response.status);
        return response.json().then(function (payload) {
          var withdrawn = [];
          return S.tx(["meta", "records", "outbox"], "readwrite", function (t) {
            var records = t.objectStore("records");
            var meta = t.objectStore("meta");
            return Promise.all([S.all(t.objectStore("outbox")), S.all(records), S.get(meta, "pass")])
              .then(function (v) {
                var pending = {};
                v[0].forEach(function (m) { pending[kindOf(m) + ":" + m.record_id] = true; });
                var pass = v[2] || 0;
                if (payload.reset) {
                  // Start again: mark everything, keep what this pass sends (PROTOCOL.md).
                  pass += 1;
                  meta.put(pass, "pass");
                  meta.put(true, "resetting");
                }
                var sent = {};
                (payload.changes || []).forEach(function (c) {
                  var key = c.kind + ":" + c.record_id;
                  sent[key] = true;
                  if (pending[key]) return;  // local changes win on the device until settled
                  if (c.deleted && c.read_only) withdrawn.push(c);
                  if (c.deleted) { records.delete(key); return; }
                  records.put({ key: key, kind: c.kind, id: c.record_id, version: c.version,
                    local_version: c.version, deleted: false, data: c.data || {},
                    read_only: !!c.read_only, pending: false, pass: pass });
                });
                return S.get(meta, "resetting").then(function (resetting) {
                  if (resetting && !payload.has_more) {
                    v[1].forEach(function (r) {
                      if (r.pass !== pass && !sent[r.key] && !pending[r.key]) records.delete(r.key);
                    });
                    meta.delete("resetting");
                  }
                  meta.put(payload.cursor, "cursor");
                });
              });
          }).then(function () { return prune(withdrawn); })
            .then(function () { return payload.has_more ? page() : true; });
        });
      });
    }
    return page();
  }

  function run(force) {
    if (!force && Date.now() < state.nextAt) return Promise.resolve("waiting");
    if (state.blocked && state.blocked === S.owner()) { emit({ type: "blocked", owner: S.owner() }); return Promise.resolve("blocked"); }
    emit({ type: "start" });
    return whose().then(function (who) {
      if (who) return who;
      return pushAll().then(function (outcome) {
        if (outcome !== "done") return outcome;
        return pullAll().then(function () {
          resetBackoff();
          state.lastError = "";
          state.failedAt = 0;
          var now = new Date().toISOString();
          return S.setMeta("last_sync", now).then(function () { emit({ type: "synced", at: now }); return "synced"; });
        });
      });
    }).catch(function (err) {
      if (err && err.revoked) return "revoked";
      throw err;
    }).then(function (outcome) {
      if (outcome !== "revoked") return outcome;
      // Ended on purpose: nothing here may be sent any more, by any session. Asked once more
      // first: if someone signed in on this browser meanwhile (which ends the session they
      // replace), the answer was about a cookie already gone, and this person's entries stay
      // aside for them instead.
      return session().then(function () {
        if (state.revoked) return wipe().then(function () { return "revoked"; });
        if (state.signedOut) return "signed-out";
        return state.user === S.owner() ? "waiting" : "not-yours";  // the next flush sends
      });
    }).then(function (outcome) {
      // "blocked" names whose store it is: the worker tells every page, and a page shows it only
      // for its own person (the worker may have met it first, while the page's flush was busy).
      if (outcome === "blocked") emit({ type: outcome, owner: S.owner() });
      else if (outcome !== "synced") emit({ type: outcome });
      return outcome;
    }).catch(function (err) {
      backoff();
      state.lastError = String(err && err.message || err);
      state.failedAt = Date.now();  // the status line says when ("Couldn't reach the server at ...")
      emit({ type: "error", retryAt: state.nextAt, at: state.failedAt, status: (err && err.status) || 0 });
      return "error";
    });
  }

  // Flush unless another tab or the worker is already flushing.
  function flush(options) {
    var force = options && options.force;
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request("kexpwa-flush", { ifAvailable: true }, function (lock) {
        if (!lock) return "busy";
        return run(force);
      });
    }
    return run(force);
  }

  scope.kxSync = {
    flush: flush,
    session: session,
    wipe: wipe,
    dropPush: dropPush,
    resetBackoff: resetBackoff,
    state: state,
    on: function (fn) { listeners.push(fn); }
  };
})(self);
