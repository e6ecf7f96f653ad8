"""My team: a lead sees each member's work and own time, and nothing else they wrote."""

from __future__ import annotations

import uuid
from datetime import date

from kexpwa import settings as settings_module
from kexpwa import tenancy
from kexpwa.domain import changes
from kexpwa.domain.kinds import Context
from kexpwa.models.account import Role
from tests import support
from tests.support import UserFactory

SETTINGS = settings_module.load({})


async def _log(made: support.Made, minutes: str, own: bool) -> None:
    with tenancy.bound(made.authority):
        await changes.upsert(
            Context.of(made.user, SETTINGS),
            "time",
            uuid.uuid4(),
            {"date": date.today().isoformat(), "duration": minutes,
             "activity": SETTINGS.activities[0], "own_time": own, "note": "private words"},
            None,
        )  # fmt: skip


async def test_lead_sees_work_and_own_time_per_member(
    client: support.Client, users: UserFactory
) -> None:
    lee = await users("edinburgh", "lee", Role.TEAM_LEAD, team="Leith")
    pat = await users("edinburgh", "pat", team="Leith")
    outsider = await users("edinburgh", "zed", team="Portobello")
    await _log(pat, "1h 30", own=True)
    await _log(pat, "45", own=False)
    await _log(outsider, "2h", own=True)
    await support.sign_in(client, lee)
    response = await client.get("/team")
    assert response.status_code == 200
    assert client.template.template == "team/index.html"
    rows = client.template.context["rows"]
    assert [(m.name, m.work, m.own) for m in rows] == [("pat", 45, 90)]
    assert "private words" not in response.text and "zed" not in response.text


async def test_practitioners_cannot_open_my_team(
    client: support.Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    assert (await client.get("/team")).status_code == 403
