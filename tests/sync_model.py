"""A simple, obviously-correct model of what the server does with pushes (for one user), used
by the property test in tests/test_sync_model.py. Dictionaries and if-statements, no database.

It knows the protocol's rules: the log by mutation_id, seq order per device, base versions,
chains of offline edits (base_mutation_id), and what the domain does with upsert, delete and
restore (a no-op upsert makes no new version; deleting a deleted record changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Record:
    version: int
    deleted: bool
    body: str


@dataclass
class Model:
    records: dict[str, Record] = field(default_factory=dict)
    log: dict[str, dict[str, Any]] = field(default_factory=dict)  # mutation_id -> first result
    last_seq: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, Any] = field(default_factory=dict)  # mutation_id -> losing data

    def push(self, client_id: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = []
        blocked = False
        for m in mutations:
            last = self.last_seq.get(client_id, 0)
            if blocked:
                results.append({"status": "out_of_order", "code": "not_attempted"})
            elif m["mutation_id"] in self.log:
                original = self.log[m["mutation_id"]]
                results.append(
                    {**original, "status": "duplicate", "original_status": original["status"]}
                )
            elif m["seq"] != last + 1:
                blocked = True
                code = "seq_reused" if m["seq"] <= last else "seq_gap"
                results.append({"status": "out_of_order", "code": code})
            else:
                result = self._apply(m)
                self.log[m["mutation_id"]] = result
                self.last_seq[client_id] = m["seq"]
                results.append(result)
        return results

    def _conflict(self, m: dict[str, Any], record: Record) -> dict[str, Any]:
        self.conflicts[m["mutation_id"]] = m.get("data")
        return {"status": "conflict", "code": "conflict", "current_version": record.version}

    def _apply(self, m: dict[str, Any]) -> dict[str, Any]:
        rid, action = m["record_id"], m["kind"].split(".")[1]
        record = self.records.get(rid)
        base = m.get("base_version") or 0
        chained = m.get("base_mutation_id")
        if chained and action in ("upsert", "delete"):
            before = self.log.get(chained)
            if before and before["status"] == "applied" and before["record_id"] == rid:
                base = before["version"]
            elif record is None:
                return {"status": "rejected", "code": "not_found"}
            else:
                return self._conflict(m, record)
        if record is None:
            if action == "upsert" and base == 0:
                record = self.records[rid] = Record(1, False, m["data"]["body"])
                return self._applied(rid, record)
            return {"status": "rejected", "code": "not_found"}
        if action == "upsert":
            if base != record.version:
                return self._conflict(m, record)
            if record.deleted:
                return {"status": "rejected", "code": "deleted"}
            if m["data"]["body"] != record.body:
                record.body = m["data"]["body"]
                record.version += 1
        elif action == "delete":
            if not record.deleted:
                if base != record.version:
                    return self._conflict(m, record)
                record.deleted = True
                record.version += 1
        elif action == "restore" and record.deleted:
            record.deleted = False
            record.version += 1
        return self._applied(rid, record)

    @staticmethod
    def _applied(rid: str, record: Record) -> dict[str, Any]:
        return {"status": "applied", "record_id": rid, "version": record.version}
