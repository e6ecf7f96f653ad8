"""The notification types: what each one says, where it opens, who may have it.

A payload is built from its type alone (:func:`payload`): a title, a short generic body and a
path inside the app. No name, no entry text and no count of anyone's entries goes to a push
service. The settings page lists exactly these types (``tests/test_push_pages.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kexpwa.models.account import Role


@dataclass(frozen=True)
class NotificationType:
    name: str  # also the preference's field on PushPreference
    label: str  # on the settings page
    explains: str  # on the settings page
    title: str  # in the notification
    body: str  # in the notification
    path: str  # opened by a tap, inside the app
    roles: frozenset[Role]


CAPTURE = frozenset({Role.PRACTITIONER, Role.TEAM_LEAD})

TYPES: tuple[NotificationType, ...] = (
    NotificationType(
        "weekly",
        "Weekly time reminder",
        "On the day and at the hour you choose, if you have not logged any time that week.",
        "Time for your time log",
        "You haven't logged any time this week.",
        "/time/new",
        CAPTURE,
    ),
    NotificationType(
        "sessions",
        "Reflection group reminders",
        "The day before a reflection group meets, with its reading ready to read offline.",
        "Reflection group tomorrow",
        "Your reflection group meets tomorrow: the reading is available offline.",
        "/sessions",
        CAPTURE,
    ),
    NotificationType(
        "feedback",
        "Feedback from your team lead",
        "When your team lead comments on an entry you shared with them.",
        "New feedback",
        "Your team lead left feedback on a shared entry.",
        "/",
        CAPTURE,
    ),
    NotificationType(
        "attention",
        "Entries that need attention",
        "When an entry could not be saved as it was (a conflict), or a device of yours has not"
        " synced for a while.",
        "Entries need your attention",
        "Something on one of your devices needs a look.",
        "/attention",
        CAPTURE,
    ),
    NotificationType(
        "digest",
        "Weekly team digest",
        "On Monday morning, for team leads: counts only, never anyone's entries.",
        "Your team's week",
        "Last week's team counts are ready.",
        "/team",
        frozenset({Role.TEAM_LEAD}),
    ),
)
BY_NAME = {t.name: t for t in TYPES}


def for_role(role: Role) -> tuple[NotificationType, ...]:
    """The types a person with ``role`` can switch on."""
    return tuple(t for t in TYPES if role in t.roles)


def payload(name: str, tag: str) -> str:
    """The JSON the service worker shows: the type's own words and path, and ``tag`` (an
    opaque id of the event, so a repeat replaces the notification instead of adding one)."""
    kind = BY_NAME[name]
    return json.dumps(
        {"title": kind.title, "body": kind.body, "url": kind.path, "tag": tag, "type": name},
        separators=(",", ":"),
    )
