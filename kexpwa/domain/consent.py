"""Making the research participation choice on the server (the form post without JavaScript,
and scripts): through the one change path, as a sync push would
(:mod:`kexpwa.domain.participation` describes the kind; this module is apart from it because the
change path reads the registry, which lists that kind)."""

from __future__ import annotations

from kexpwa import settings as settings_module
from kexpwa.domain import changes, participation
from kexpwa.domain.errors import Stale
from kexpwa.domain.kinds import Context
from kexpwa.models.account import User

ATTEMPTS = 3


class Busy(Exception):
    """Another device kept changing the choice while this one was being saved."""


async def choose(actor: User, include: bool, ctx: Context | None = None) -> bool:
    """Make ``include`` the person's choice now; returns whether it changed anything (choosing
    what is already chosen writes nothing, no history row). Made on the current version, as a
    sync ``share`` is: the person's choice as of now never conflicts with an older one."""
    ctx = ctx or Context.of(actor, settings_module.load())
    rid = participation.record_id(actor.id)
    data = {participation.FIELD: include}
    for _ in range(ATTEMPTS):  # another device's change between the read and the write: again
        found = await participation.record(actor.id)
        if found is not None and found.time_and_projects == include:
            return False
        try:
            base = found.version if found is not None else None
            await changes.upsert(ctx, participation.NAME, rid, data, base)
        except Stale:
            continue
        return True
    raise Busy()
