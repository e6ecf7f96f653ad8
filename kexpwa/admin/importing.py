"""Adding many people from a CSV file: ``username,display_name,role,team``.

The whole file is checked before anything is written: its size, its encoding (UTF-8, with or
without a byte-order mark), its header, every line (with its line number), usernames repeated
within the file or already in the authority. One bad line and nobody is created. Each person
gets a temporary password, returned once and to be changed at the first sign-in.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from kexpwa import accounts, audit, tenancy
from kexpwa.admin import people
from kexpwa.admin.rules import Actor, AdminError
from kexpwa.auth.passwords import hash_async
from kexpwa.models.account import Role, User

MAX_BYTES = 256 * 1024
MAX_PEOPLE = 1000
HEADER = ("username", "display_name", "role", "team")


@dataclass(frozen=True)
class Wanted:
    line: int
    username: str
    display_name: str
    role: Role
    team: str


@dataclass
class Checked:
    """The outcome of checking a file: ``errors`` (line number, message; 0 for the whole file)
    or the people it would add."""

    people: list[Wanted] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise AdminError(f"The file is larger than {MAX_BYTES // 1024} KB; split it in parts.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AdminError(
            "The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again."
        ) from None
    if "\x00" in text:
        raise AdminError("The file is not a CSV text file.")
    return text


async def check(data: bytes) -> Checked:
    """Check the whole file; create nothing."""
    result = Checked()
    try:
        text = _decode(data)
    except AdminError as exc:
        result.errors.append((0, str(exc)))
        return result
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(c.strip().lower() for c in rows[0]) != HEADER:
        result.errors.append((1, "The first line must be: " + ",".join(HEADER)))
        return result
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(HEADER):
            result.errors.append((number, f"Expected 4 values, found {len(cells)}."))
            continue
        username, display_name, role, team = (c.strip() for c in cells)
        try:
            name = accounts.normalise_username(username)
            parsed = people.parse_role(role)
            team_name = accounts.clean_team_name(team) if team else ""
        except (accounts.AccountError, AdminError) as exc:
            result.errors.append((number, str(exc)))
            continue
        if len(display_name) > 120:
            result.errors.append((number, "Display names have at most 120 characters."))
            continue
        if name in seen:
            result.errors.append((number, f"{name!r} is also on line {seen[name]}."))
            continue
        seen[name] = number
        result.people.append(Wanted(number, name, display_name or name, parsed, team_name))
    if len(result.people) > MAX_PEOPLE:
        result.errors.append((0, f"At most {MAX_PEOPLE} people per file."))
    found = await User.filter(username__in=list(seen)).values_list("username", flat=True)
    taken = {str(name) for name in found}
    for wanted in result.people:
        if wanted.username in taken:
            result.errors.append((wanted.line, f"{wanted.username!r} already exists here."))
    result.errors.sort()
    if not result.people and not result.errors:
        result.errors.append((0, "The file has a header but nobody in it."))
    return result


async def run(actor: Actor, data: bytes) -> tuple[Checked, list[tuple[str, str]]]:
    """Check, then (only if every line is good) add everyone in one transaction. Returns the
    check and the (username, temporary password) pairs created."""
    checked = await check(data)
    if checked.errors:
        return checked, []
    made = [(w, people.temporary_password()) for w in checked.people]
    hashes = [await hash_async(password) for _, password in made]
    async with in_transaction(tenancy.alias(tenancy.current())):
        for (wanted, _), password_hash in zip(made, hashes, strict=True):
            team = await accounts.team_named(wanted.team) if wanted.team else None
            user = await User.create(
                username=wanted.username,
                display_name=wanted.display_name,
                password_hash=password_hash,
                role=wanted.role,
                team=team if wanted.role == Role.PRACTITIONER else None,
                must_change_password=True,
            )
            if wanted.role == Role.TEAM_LEAD and team is not None:
                await user.led_teams.add(team, using_db=tenancy.connection())
            await audit.record(
                "user.created",
                target_kind="user",
                target_id=user.id,
                role=wanted.role.value,
                via="import",
                actor_id=actor.id,
                actor_role=actor.role,
            )
        await audit.record(
            "users.imported", count=len(made), actor_id=actor.id, actor_role=actor.role
        )
    return checked, [(w.username, password) for w, password in made]
