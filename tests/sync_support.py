"""Helpers for the sync tests: building mutations and envelopes, a signed-in device that pushes
and pulls over HTTP (in-process or against a real server), and reading the log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx2

from tests import support

TODAY = date(2026, 11, 20).isoformat()


def note_data(title: str = "Home visit", body: str = "Met the family.", **extra: Any) -> dict:
    return {"title": title, "body": body, "date": TODAY, **extra}


def mutation(
    seq: int,
    kind: str = "note.upsert",
    record_id: uuid.UUID | str | None = None,
    data: dict[str, Any] | None = None,
    base_version: int | None = None,
    mutation_id: uuid.UUID | str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "mutation_id": str(mutation_id or uuid.uuid4()),
        "seq": seq,
        "kind": kind,
        "record_id": str(record_id or uuid.uuid4()),
        "base_version": base_version,
        "client_time": "2026-11-20T09:14:00Z",
    }
    if data is not None or kind.endswith((".upsert", ".share")):
        item["data"] = note_data() if data is None and kind == "note.upsert" else data
    item.update(extra)
    return item


def envelope(client_id: uuid.UUID | str, mutations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"client_id": str(client_id), "schema_version": 1, "mutations": mutations}


async def csrf_token(client: httpx2.AsyncClient) -> str:
    response = await client.get("/api/session")
    assert response.status_code == 200, response.text
    return str(response.json()["csrf"])


@dataclass
class Device:
    """One install of the app: a client_id, its next seq, and a signed-in HTTP client."""

    http: httpx2.AsyncClient
    token: str
    client_id: uuid.UUID = field(default_factory=uuid.uuid4)
    next_seq: int = 1
    cursor: str | None = None

    @classmethod
    async def signed_in(cls, http: httpx2.AsyncClient, who: support.Made) -> Device:
        response = await support.sign_in(http, who)
        assert response.status_code == 303, response.text
        return cls(http, await csrf_token(http))

    def make(self, kind: str = "note.upsert", **kw: Any) -> dict[str, Any]:
        item = mutation(self.next_seq, kind, **kw)
        self.next_seq += 1
        return item

    async def post(self, body: Any, **kw: Any) -> httpx2.Response:
        headers = {"X-CSRF-Token": self.token, **kw.pop("headers", {})}
        if isinstance(body, bytes | str):
            return await self.http.post("/sync/push", content=body, headers=headers, **kw)
        return await self.http.post("/sync/push", json=body, headers=headers, **kw)

    async def push(self, *mutations: dict[str, Any]) -> dict[str, Any]:
        response = await self.post(envelope(self.client_id, list(mutations)))
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def pull(self, limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
        params = {}
        if cursor or self.cursor:
            params["cursor"] = cursor or self.cursor
        if limit:
            params["limit"] = str(limit)
        response = await self.http.get("/sync/pull", params=params)
        assert response.status_code == 200, response.text
        payload = dict(response.json())
        self.cursor = payload["cursor"]
        return payload

    async def pull_all(self, limit: int | None = None) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            page = await self.pull(limit)
            changes.extend(page["changes"])
            if not page["has_more"]:
                return changes


def statuses(payload: dict[str, Any]) -> list[str]:
    return [r["status"] for r in payload["results"]]


async def database_state(authority: str = "edinburgh") -> dict[str, Any]:
    """Everything a push can change in an authority, for before/after comparisons."""
    from kexpwa import tenancy
    from kexpwa.domain import registry
    from kexpwa.models.records import RecordVersion, SharingChange
    from kexpwa.models.sync import AppliedMutation, ChangeCounter, Conflict, SyncClient

    state: dict[str, Any] = {}
    with tenancy.bound(authority):
        for kind in registry.all_kinds():
            rows = await kind.model.all().order_by("id").values()
            state[kind.name] = [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]
        state["log"] = await AppliedMutation.all().order_by("mutation_id").values()
        state["conflicts"] = await Conflict.all().order_by("id").values()
        state["versions"] = await RecordVersion.all().order_by("id").values()
        state["sharing"] = await SharingChange.all().order_by("id").values_list("id", flat=True)
        state["counter"] = await ChangeCounter.all().values()
        state["clients"] = await SyncClient.all().order_by("id").values("id", "last_seq")
    return state
