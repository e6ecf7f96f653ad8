"""Sample content for demo practitioners, written through the one change path."""

from __future__ import annotations

import uuid
from datetime import timedelta

from kexpwa import settings as settings_module
from kexpwa.domain import changes, days
from kexpwa.domain.kinds import Context
from kexpwa.models.account import User


async def add_samples(user: User) -> None:
    """A project, a fieldwork note, a Fook & Gardner journal entry and some time, so a fresh
    demo shows something. Call with the user's authority bound."""
    ctx = Context.of(user, settings_module.load())
    today = days.today()
    project = uuid.uuid4()
    await changes.upsert(
        ctx,
        "project",
        project,
        {
            "title": "What helps kinship carers ask for support",
            "question": "What makes it easier, or harder, for kinship carers to ask us for help?",
            "stage": "plan",
            "substep": "literature",
            "start_date": (today - timedelta(days=21)).isoformat(),
        },
        None,
    )
    await changes.upsert(
        ctx,
        "note",
        uuid.uuid4(),
        {
            "title": "Carers' group: first conversation",
            "body": "Three carers said they wait until things are at crisis point before "
            "phoning. Two mentioned worry about being judged. Follow up on how the first "
            "contact is framed.",
            "date": (today - timedelta(days=2)).isoformat(),
            "time": "14:30",
            "project_id": str(project),
            "tags": [ctx.cpl_tags[1]] if len(ctx.cpl_tags) > 1 else [],
        },
        None,
    )
    await changes.upsert(
        ctx,
        "journal",
        uuid.uuid4(),
        {
            "template": "fook_gardner",
            "title": "A home visit that went differently than planned",
            "date": (today - timedelta(days=1)).isoformat(),
            "sections": {
                "incident": "I arrived with a checklist and the carer wanted to talk about "
                "her own tiredness first. I kept steering back to the list.",
                "assumptions": "That the visit's purpose was mine to set.",
                "learned": "Listening first got me more of what the checklist asks for.",
                "use": "Open the next visits by asking what matters most to them today.",
            },
            "session_date": (today - timedelta(days=1)).isoformat(),
            "session_title": "Reflection group, session 2",
            "tags": [t for t in ctx.cpl_tags if "eflect" in t][:1],
        },
        None,
    )
    activities = ctx.activities or ("Research fieldwork",)
    for days_ago, duration, activity, own_time in (
        (2, "1h 30", activities[0], False),
        (1, "45", activities[min(1, len(activities) - 1)], True),
        (0, "2h", activities[min(2, len(activities) - 1)], False),
    ):
        await changes.upsert(
            ctx,
            "time",
            uuid.uuid4(),
            {
                "date": (today - timedelta(days=days_ago)).isoformat(),
                "duration": duration,
                "activity": activity,
                "own_time": own_time,
                "project_id": str(project),
            },
            None,
        )
