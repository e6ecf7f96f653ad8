"""The export's pages over HTTP: only a research account gets the research dataset (everyone
else 403); "Download my data" holds only the signed-in person's own entries, as written; the
participation page saves the choice without JavaScript; bad filters say so and send nothing."""

from __future__ import annotations

from starlette.applications import Starlette

from kexpwa import accounts, tenancy
from kexpwa.config import Config
from kexpwa.domain import participation
from kexpwa.models.account import Role
from kexpwa.models.audit import AuditEvent
from kexpwa.settings import Settings
from tests import support
from tests.conftest import Client, make_client
from tests.export_helpers import TRICKY, open_zip, seed
from tests.support import UserFactory


async def test_only_research_exports_and_my_data_is_mine(
    dbs: Config,
    app: Starlette,
    client: Client,
    other_client: Client,
    users: UserFactory,
    settings: Settings,
) -> None:
    ds = await seed(users, settings)
    await accounts.add_research_account(username="rowan", password=support.PASSWORD)
    lead = await users("edinburgh", "lee", role=Role.TEAM_LEAD, team="Leith Kinship Team")
    admin = await users("edinburgh", "ada", role=Role.ADMIN, team=None)
    for who in (ds.people["patricia.mcgregor"], lead, admin):
        async with make_client(app) as c:
            await support.sign_in(c, who)
            assert (await c.get("/research/export")).status_code == 403
            token = await support.csrf(c, "/account/sessions")
            post = await c.post("/research/export", data={"csrf_token": token})
            assert post.status_code == 403
    async with make_client(app) as c:
        await support.sign_in(c, admin)
        assert (await c.get("/account/my-data")).status_code == 403

    await support.sign_in(client, ("research", "rowan", support.PASSWORD))
    page = await client.get("/research/export")
    assert page.status_code == 200 and client.template.template == "exports/research.html"
    bad = await support.post_form(
        client, "/research/export", {"from": "yesterday"}, page="/research/export"
    )
    assert bad.status_code == 422 and "From must be a date" in bad.text
    response = await support.post_form(
        client,
        "/research/export",
        {"authority": ["edinburgh", "east-lothian"], "dates": "exact", "minutes": "15"},
        page="/research/export",
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    z = open_zip(response.content)
    assert {int(r["minutes"]) for r in z.csv("time")} == {45, 90}  # 50 and 95, rounded
    manifest = z.manifest()
    assert manifest["filters"]["minutes"] == "15"
    listed = await client.get("/research/export")
    assert client.template.context["past"][0].manifest_sha256 in listed.text

    pat = ds.people["patricia.mcgregor"]
    await support.sign_in(other_client, pat)
    mine = await support.post_form(other_client, "/account/my-data", {}, page="/account/my-data")
    assert mine.status_code == 200
    z = open_zip(mine.content)
    titles = {r["title"] for r in z.csv("notes")}
    assert "out: private" in titles and "in: sam" not in titles and "in: kirsty" not in titles
    assert "in then out - deleted" in titles  # not deleted yet
    assert {r["note"] for r in z.csv("time")} == {"secret time note"}
    assert z.csv("projects")[0]["question"] == "secret question"
    shared = next(r for r in z.csv("notes") if r["title"] == "in: shared")
    assert shared["body"] == TRICKY and shared["entry_id"] == str(ds.ids["shared"])
    assert "practitioner" not in shared
    with tenancy.bound("edinburgh"):
        assert await AuditEvent.filter(action="own_data.export", actor_id=pat.user.id).exists()


async def test_participation_is_a_form_post(
    dbs: Config, client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    page = await client.get("/participation")
    assert page.status_code == 200 and client.template.context["included"] is False
    saved = await support.post_form(
        client, "/participation", {"time_and_projects": "true"}, page="/participation"
    )
    assert saved.status_code == 303
    with tenancy.bound("edinburgh"):
        assert await participation.current(pat.user.id)
    # A page cached before the choice was a record still posts ``include``.
    await support.post_form(client, "/participation", {"include": "no"}, page="/participation")
    await client.get("/participation")
    assert [c.included for c in client.template.context["history"]] == [True, False]
    with tenancy.bound("edinburgh"):
        assert not await participation.current(pat.user.id)
        assert await AuditEvent.filter(action="research.participation").count() == 2
