"""Feedback over HTTP, on SQLite and PostgreSQL: the thread on the lead's entry page and beside
the owner's note and journal entry, posting with and without htmx, bad input (a message,
nothing changed), isolation by every route and parameter, and sync (pulls carry feedback
read-only, a withdrawn thread becomes tombstones at the lead's next pull, pushes are refused)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kexpwa import tenancy
from kexpwa.domain import feedback
from kexpwa.models.account import Role
from kexpwa.models.feedback import Feedback
from tests import support
from tests.conftest import Client
from tests.support import Made, UserFactory
from tests.sync_support import Device
from tests.team_helpers import edit, make, team

SECRET = "Zqx"  # in every comment that must never reach the reader being tested
HTMX = {"HX-Request": "true", "HX-Target": "feedback-thread"}


async def count() -> int:
    with tenancy.bound("edinburgh"):
        return await Feedback.all().count()


async def say(who: Made, kind: str, entry: Any, body: str) -> Feedback:
    with tenancy.bound(who.authority):
        return await feedback.comment(who.user, kind, entry.id, body)


async def test_the_lead_comments_and_the_owner_replies_without_javascript(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    await support.sign_in(client, t.lee)
    page = await client.get(f"/team/entries/journal/{entry.id}")
    assert page.status_code == 200
    assert "No feedback yet." in page.text and "Post feedback" in page.text
    assert "can't be edited or deleted" in page.text
    path = f"/feedback/journal/{entry.id}"
    posted = await support.post_form(
        client, path, {"body": "Really thoughtful."}, page=f"/team/entries/journal/{entry.id}"
    )
    assert posted.status_code == 303
    assert posted.headers["location"].endswith(f"/team/entries/journal/{entry.id}#feedback")
    page = await client.get(f"/team/entries/journal/{entry.id}")
    assert "Really thoughtful." in page.text and "(team lead)" in page.text
    await support.sign_in(other_client, t.pat)
    mine = await other_client.get(f"/journal/{entry.id}")
    assert "Really thoughtful." in mine.text and "Send reply" in mine.text
    replied = await support.post_form(
        other_client, path, {"body": "Thank you!"}, page=f"/journal/{entry.id}"
    )
    assert replied.status_code == 303
    assert replied.headers["location"].endswith(f"/journal/{entry.id}#feedback")
    page = await client.get(f"/team/entries/journal/{entry.id}")
    assert page.text.index("Really thoughtful.") < page.text.index("Thank you!")
    assert "(reply)" in page.text


async def test_htmx_gets_the_thread_back_and_a_note_shows_it_beside_its_form(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(t.pat, "note", title="Home visit", share_lead=True)
    await support.sign_in(client, t.lee)
    page = f"/team/entries/note/{entry.id}"
    answer = await support.post_form(
        client, f"/feedback/note/{entry.id}", {"body": "Good notes."}, page=page, headers=HTMX
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section id="feedback"')
    assert "Good notes." in answer.text and 'data-status-message="Feedback posted."' in answer.text
    assert "HX-Request" in answer.headers["vary"]
    client.cookies.clear()
    await support.sign_in(client, t.pat)
    form = await client.get(f"/notes/{entry.id}/edit")
    assert "Good notes." in form.text and "Send reply" in form.text
    new = await client.get("/notes/new")
    assert 'id="feedback"' not in new.text
    offline = await client.get("/notes/offline-edit")
    assert 'data-thread="note:kx-record-id"' in offline.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Enter your comment."),
        ("  \n ", "Enter your comment."),
        ("x" * (feedback.BODY_MAX + 1), "2,000"),
        ("nul\x00", "cannot be stored"),
    ],
)
async def test_bad_text_gets_a_message_and_changes_nothing(
    client: Client, users: UserFactory, body: str, message: str
) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    await support.sign_in(client, t.lee)
    page = f"/team/entries/journal/{entry.id}"
    path = f"/feedback/journal/{entry.id}"
    for headers in ({}, HTMX):
        answer = await support.post_form(client, path, {"body": body}, page=page, headers=headers)
        assert answer.status_code == 422, answer.text
        assert message in answer.text
        assert 'aria-invalid="true"' in answer.text
    no_body = await support.post_form(client, path, {}, page=page)
    assert no_body.status_code == 422 and "Enter your comment." in no_body.text
    assert await count() == 0


async def test_the_owner_of_a_private_entry_is_told_to_share_it(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(t.pat, "note", title="Private", share_lead=False)
    client.cookies.clear()
    await support.sign_in(client, t.pat)
    form = await client.get(f"/notes/{entry.id}/edit")
    assert "Share this entry with your team lead" in form.text and "Send reply" not in form.text
    answer = await support.post_form(client, f"/feedback/note/{entry.id}", {"body": "Hi"})
    assert answer.status_code == 422 and "Share this entry" in answer.text
    assert await count() == 0


async def test_without_a_csrf_token_nothing_is_posted(client: Client, users: UserFactory) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    await support.sign_in(client, t.lee)
    answer = await client.post(f"/feedback/journal/{entry.id}", data={"body": "Hello"})
    assert answer.status_code == 403
    assert await count() == 0


async def test_no_route_or_parameter_lets_anyone_else_read_or_post(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    shared = await make(t.pat, "journal", title="Shared", share_lead=True)
    note = await make(t.pat, "note", title="Shared note", share_lead=True)
    await say(t.lee, "journal", shared, f"{SECRET} lead words")
    await say(t.pat, "journal", shared, f"{SECRET} reply words")
    await say(t.lee, "note", note, f"{SECRET} note words")
    private = await make(t.pat, "note", title="Private", share_lead=False)
    other_team = await make(t.zed, "note", title="Portobello", share_lead=True)
    lothian = await make(t.ola, "note", title="Lothian", share_lead=True)
    before = await count()
    # Sam (Pat's teammate), Zed (another team) and a lead of another team.
    lou = await users("edinburgh", "lou", Role.TEAM_LEAD, team="Portobello")
    for who in (t.sam, t.zed, lou):
        client.cookies.clear()
        await support.sign_in(client, who)
        device = Device(client, await support.csrf(client, "/"))
        for path in [
            f"/journal/{shared.id}",
            f"/notes/{note.id}/edit",
            f"/team/entries/journal/{shared.id}",
            f"/team/entries/note/{note.id}",
            "/team/shared",
            "/",
        ]:
            response = await client.get(path)
            assert response.status_code in (200, 403, 404), path
            assert SECRET not in response.text, (who.username, path)
        changes = await device.pull_all()
        assert not [c for c in changes if c["kind"] == "feedback"], who.username
        for kind, record in [
            ("journal", shared), ("note", note), ("note", private), ("note", other_team),
            ("note", lothian), ("journal", note), ("time", note), ("bogus", note),
            ("note", uuid.uuid4()),
        ]:  # fmt: skip
            if record is other_team and who in (t.zed, lou):
                continue  # Zed's own entry, shared with Lou: theirs to talk about
            rid = getattr(record, "id", record)
            answer = await support.post_form(client, f"/feedback/{kind}/{rid}", {"body": "Hi"})
            assert answer.status_code in (403, 404), (who.username, kind)
            assert SECRET not in answer.text
    # The lead cannot post on a private entry, another team's or another authority's.
    client.cookies.clear()
    await support.sign_in(client, t.lee)
    for record in (private, other_team, lothian):
        answer = await support.post_form(client, f"/feedback/note/{record.id}", {"body": "Hi"})
        assert answer.status_code == 404
    assert await count() == before


async def test_pulls_carry_feedback_and_withdrawal_makes_the_leads_copies_tombstones(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    pat = await Device.signed_in(client, t.pat)
    lee = await Device.signed_in(other_client, t.lee)
    await pat.pull_all()
    await lee.pull_all()
    comment = await say(t.lee, "journal", entry, "Lovely.")
    reply = await say(t.pat, "journal", entry, "Thanks!")
    mine = [c for c in await pat.pull_all() if c["kind"] == "feedback"]
    assert [(c["record_id"], c["read_only"], c["deleted"]) for c in mine] == [
        (str(comment.id), True, False),
        (str(reply.id), True, False),
    ]
    assert mine[0]["data"]["body"] == "Lovely." and mine[0]["data"]["parent_id"] == str(entry.id)
    assert mine[0]["owner_name"] == t.lee.user.display_name and mine[1]["data"]["by_owner"]
    theirs = [c for c in await lee.pull_all() if c["kind"] == "feedback"]
    assert {c["record_id"] for c in theirs if not c["deleted"]} == {str(comment.id), str(reply.id)}
    await edit(t.pat, "journal", entry, share_lead=False)
    gone = [c for c in await lee.pull_all() if c["kind"] == "feedback"]
    assert {(c["record_id"], c["deleted"], c["data"]) for c in gone} == {
        (str(comment.id), True, None),
        (str(reply.id), True, None),
    }
    still = [c for c in await pat.pull_all() if c["kind"] == "feedback"]
    assert {c["record_id"] for c in still if not c["deleted"]} == {str(comment.id), str(reply.id)}


async def test_sharing_withdrawn_or_an_entry_deleted_by_a_push_tombstones_the_leads_copies(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    """The same through a device's push (sync applies a push as a batch, kexpwa.domain.batch):
    the entries' threads must be sent again, as tombstones, at the lead's next pull."""
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    other = await make(t.pat, "journal", title="Second thoughts", share_lead=True)
    kept = await make(t.pat, "journal", title="Still shared", share_lead=True)
    pat = await Device.signed_in(client, t.pat)
    lee = await Device.signed_in(other_client, t.lee)
    first = await say(t.lee, "journal", entry, "Lovely.")
    second = await say(t.lee, "journal", other, "Good.")
    third = await say(t.lee, "journal", kept, "Keep going.")
    pulled = {c["record_id"]: c for c in await pat.pull_all()}
    theirs = [c for c in await lee.pull_all() if c["kind"] == "feedback"]
    assert {c["record_id"] for c in theirs} == {str(first.id), str(second.id), str(third.id)}
    mine, gone, same = pulled[str(entry.id)], pulled[str(other.id)], pulled[str(kept.id)]
    answer = await pat.push(
        pat.make("journal.upsert", record_id=kept.id, base_version=same["version"],
                 data={**same["data"], "title": "Still shared, retitled"}),
        pat.make("journal.upsert", record_id=entry.id, base_version=mine["version"],
                 data={**mine["data"], "share_lead": False}),
        pat.make("journal.delete", record_id=other.id, base_version=gone["version"]),
    )  # fmt: skip
    assert [r["status"] for r in answer["results"]] == ["applied", "applied", "applied"]
    now = [c for c in await lee.pull_all() if c["kind"] == "feedback"]
    assert {(c["record_id"], c["deleted"]) for c in now} == {
        (str(first.id), True),
        (str(second.id), True),
    }


async def test_a_reply_queued_offline_is_posted_by_a_push_and_never_changed_after(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    private = await make(t.pat, "note", title="Private", share_lead=False)
    await say(t.lee, "journal", entry, "Lovely.")
    pat = await Device.signed_in(client, t.pat)
    sam = await Device.signed_in(other_client, t.sam)
    reply_id = uuid.uuid4()

    def data(parent: Any, body: str = "Thanks, written on the bus.") -> dict[str, Any]:
        kind = "journal" if parent is entry else "note"
        return {"body": body, "parent_kind": kind, "parent_id": str(parent.id)}

    answer = await pat.push(
        pat.make("feedback.upsert", record_id=reply_id, data=data(entry)),
        pat.make("feedback.upsert", data=data(private)),  # not shared, no thread
        pat.make("feedback.upsert", data=data(entry, body="")),
        pat.make("feedback.upsert", data={**data(entry), "author_name": "Someone else"}),
        pat.make("feedback.delete", record_id=reply_id, base_version=1),
        pat.make("feedback.restore", record_id=reply_id),
        pat.make("feedback.upsert", record_id=reply_id, base_version=1, data=data(entry, "Edit")),
    )
    got = [(r["status"], r.get("code")) for r in answer["results"]]
    assert got == [
        ("applied", None),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
        ("rejected", "unknown_field"),
        ("rejected", "read_only"),
        ("rejected", "read_only"),
        ("rejected", "read_only"),
    ]
    assert "once posted" in answer["results"][4]["message"]
    with tenancy.bound("edinburgh"):
        stored = await Feedback.get(id=reply_id)
    assert stored.body == "Thanks, written on the bus." and stored.by_owner
    assert stored.author_name == t.pat.user.display_name
    assert await count() == 2
    # Sam, a teammate, cannot post on Pat's entry through sync either.
    refused = await sam.push(sam.make("feedback.upsert", data=data(entry)))
    assert [r["code"] for r in refused["results"]] == ["not_found"]
    assert await count() == 2
    changes = [c for c in await pat.pull_all() if c["kind"] == "feedback"]
    assert [c["data"]["body"] for c in changes] == ["Lovely.", "Thanks, written on the bus."]


async def test_home_says_which_entries_have_new_feedback_until_they_are_opened(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    note = await make(t.pat, "note", title="Home visit", share_lead=True)
    await support.sign_in(client, t.pat)
    assert "New feedback" not in (await client.get("/")).text
    await say(t.lee, "journal", entry, "One.")
    await say(t.lee, "journal", entry, "Two.")
    await say(t.lee, "note", note, "Three.")
    await say(t.pat, "note", note, "My own reply is not news to me.")
    home = await client.get("/")
    assert "New feedback" in home.text
    assert f'/journal/{entry.id}#feedback">Listening first</a>: 2 new comments' in home.text
    assert f'/notes/{note.id}/edit#feedback">Home visit</a>: 1 new comment' in home.text
    await client.get(f"/journal/{entry.id}")
    home = await client.get("/")
    assert "Listening first" not in home.text and "Home visit" in home.text
    await client.get(f"/notes/{note.id}/edit")
    assert "New feedback" not in (await client.get("/")).text
    await support.sign_in(other_client, t.sam)  # a teammate hears nothing of it
    assert "New feedback" not in (await other_client.get("/")).text


async def test_entries_with_feedback_are_kept_ready_offline_without_marking_them_seen(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Listening first", share_lead=True)
    note = await make(t.pat, "note", title="Home visit", share_lead=True)
    quiet = await make(t.pat, "note", title="No thread", share_lead=True)
    await support.sign_in(client, t.pat)
    await say(t.lee, "journal", entry, "One.")
    await say(t.lee, "note", note, "Two.")
    warm = (await client.get("/api/session")).json()["warm"]
    assert f"/notes/{note.id}/edit" in warm and f"/journal/{entry.id}" in warm
    assert warm.index(f"/notes/{note.id}/edit") < warm.index(f"/journal/{entry.id}")  # newest
    assert f"/notes/{quiet.id}/edit" not in warm
    # The worker's fetch keeps the page ready; it does not count as reading the comment.
    kept = await client.get(f"/journal/{entry.id}", headers={"X-Kexpwa-Warm": "1"})
    assert "One." in kept.text
    assert "Listening first</a>: 1 new comment" in (await client.get("/")).text
    await support.sign_in(other_client, t.sam)
    theirs = (await other_client.get("/api/session")).json()["warm"]
    assert not [p for p in theirs if str(entry.id) in p or str(note.id) in p]
