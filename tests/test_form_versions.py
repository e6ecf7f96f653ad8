"""No silent overwrite from a form: an edit or delete of an existing record must say which
version it was based on. A form that posts an empty ``version`` for a record that exists gets a
conflict (409) with a message, and nothing changes."""

from __future__ import annotations

import uuid

from kexpwa import tenancy
from kexpwa.models.records import Note, RecordVersion
from tests.capture_helpers import form, sign_in
from tests.conftest import Client
from tests.support import UserFactory


async def _state(rid: uuid.UUID) -> tuple[int, str, bool, int]:
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
        kept = await RecordVersion.filter(record_id=rid).count()
    return note.version, note.body, note.deleted_at is not None, kept


async def test_an_edit_without_a_version_is_a_conflict(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    note = await pat.make("note", body="What the family said.")
    before = await _state(note.id)
    response = await pat.save("note", note.id, form("note", body="Overwritten"), version="")
    assert response.status_code == 409
    assert "changed somewhere else" in response.text
    assert "What the family said." in response.text  # the stored text is shown to compare
    assert await _state(note.id) == before


async def test_a_delete_without_a_version_is_refused(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    note = await pat.make("note")
    before = await _state(note.id)
    for version in ("", "0"):
        response = await pat.post(
            f"/notes/{note.id}/delete", {"id": str(note.id), "version": version}
        )
        assert response.status_code == 409, version
        assert "Open it again" in response.text
    assert await _state(note.id) == before


async def test_a_new_record_still_posts_an_empty_version(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    response = await pat.save("note", rid, form("note", body="First visit."), version="")
    assert response.status_code == 303
    assert (await _state(rid))[:3] == (1, "First visit.", False)
    again = await pat.save("note", rid, form("note", body="Sent twice"), version="")
    assert again.status_code == 409  # the same form sent again does not overwrite
    assert (await _state(rid))[:2] == (1, "First visit.")
