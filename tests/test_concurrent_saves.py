"""Form posts and sync pushes by one person at the same moment, on one project and the notes
that point at it: every request gets an answer a person can act on (saved, or a conflict),
never a 500. On PostgreSQL an edited note's foreign-key check used to take its key-share lock
on the project after the change counter, while a project edit held the project and waited for
the counter: a deadlock, answered with a 500."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable

import httpx2
from starlette.applications import Starlette

from kexpwa import tenancy
from kexpwa.models.records import Note, Project
from tests.capture_helpers import Person, domain_data, form, sign_in
from tests.support import UserFactory
from tests.sync_support import Device, envelope, mutation

ROUNDS = 4
EDITED = 12  # notes edited through forms each round
PUSHED = 5  # notes edited through sync each round


async def _versions(ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    with tenancy.bound("edinburgh"):
        notes = await Note.filter(id__in=ids).values_list("id", "version")
        projects = await Project.filter(id__in=ids).values_list("id", "version")
    return {rid: version for rid, version in [*notes, *projects]}


async def test_mixed_saves_on_one_project_never_fail(app: Starlette, users: UserFactory) -> None:
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
        pat: Person = await sign_in(http, users)  # type: ignore[arg-type]
        project = await pat.make("project")
        pid = str(project.id)
        notes = [(await pat.make("note", project_id=pid)).id for _ in range(EDITED + PUSHED)]
        token = (await http.get("/api/session")).json()["csrf"]
        statuses: Counter[int] = Counter()
        for round_ in range(ROUNDS):
            versions = await _versions([project.id, *notes])
            calls: list[Awaitable[httpx2.Response]] = []
            for i in range(3):  # one wins, the others are conflicts
                data = form("project", question=f"Round {round_}, edit {i}")
                calls.append(pat.save("project", project.id, data, versions[project.id]))
            for rid in notes[:EDITED]:
                data = form("note", project_id=pid, body=f"Round {round_}")
                calls.append(pat.save("note", rid, data, versions[rid]))
            for _ in range(5):
                calls.append(pat.save("note", uuid.uuid4(), form("note", project_id=pid)))
            for rid in notes[EDITED:]:
                data = domain_data("note", project_id=pid, body=f"Round {round_} (sync)")
                edit = mutation(1, "note.upsert", rid, data, base_version=versions[rid])
                calls.append(Device(http, token).post(envelope(uuid.uuid4(), [edit])))
            for _ in range(5):
                data = domain_data("note", project_id=pid)
                calls.append(
                    Device(http, token).post(envelope(uuid.uuid4(), [mutation(1, data=data)]))
                )
            assert len(calls) == 30
            statuses.update(r.status_code for r in await asyncio.gather(*calls))
        assert not [s for s in statuses if s >= 500], statuses
        assert set(statuses) <= {200, 303, 409}, statuses
        # Every note edit was based on the version it read, so every one was applied.
        final = await _versions(notes)
        assert all(final[rid] == 1 + ROUNDS for rid in notes), final
