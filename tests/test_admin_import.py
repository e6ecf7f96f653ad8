"""Adding people from a CSV upload, on SQLite and PostgreSQL: the whole file is checked first,
every bad line is named by number, and nobody is created unless every line is good."""

from __future__ import annotations

from kexpwa import tenancy
from kexpwa.admin import importing
from kexpwa.models.account import Role, User
from tests import support
from tests.admin_helpers import audited, signed_in_admin
from tests.conftest import Client
from tests.support import UserFactory

GOOD = (
    "username,display_name,role,team\n"
    "nia,Nia Reid,practitioner,North\n"
    "Owen,Owen Hay,team_lead,North\n"
    "\n"
    "rae,,admin,\n"
)


async def _upload(client: Client, data: bytes, name: str = "people.csv") -> tuple[int, str]:
    token = await support.csrf(client, "/admin/people/import")
    answer = await client.post(
        "/admin/people/import",
        data={"csrf_token": token},
        files={"file": (name, data, "text/csv")},
    )
    return answer.status_code, answer.text


async def _people() -> set[str]:
    with tenancy.bound("edinburgh"):
        return {u.username for u in await User.all()}


async def test_a_good_file_adds_everyone_with_temporary_passwords(
    client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    status, text = await _upload(client, ("\ufeff" + GOOD).encode())  # with a BOM, as Excel saves
    assert status == 200 and client.template.template == "admin/created.html"
    created = dict(client.template.context["created"])
    assert set(created) == {"nia", "owen", "rae"} and all(p in text for p in created.values())
    with tenancy.bound("edinburgh"):
        owen = await User.get(username="owen").prefetch_related("led_teams")
        nia = await User.get(username="nia").prefetch_related("team")
        rae = await User.get(username="rae")
    assert owen.role == Role.TEAM_LEAD and [t.name for t in owen.led_teams] == ["North"]
    assert nia.team is not None and nia.team.name == "North" and nia.must_change_password
    assert rae.display_name == "rae" and rae.role == Role.ADMIN
    assert len(await audited("user.created", actor_id=admin.user.id)) == 3
    assert await audited("users.imported", actor_id=admin.user.id)
    await support.post_form(client, "/logout", {})
    signed = await support.sign_in(client, ("edinburgh", "nia", created["nia"]))
    assert signed.headers["location"].endswith("/account/password")


async def test_a_file_with_bad_lines_names_them_and_creates_nobody(
    client: Client, users: UserFactory
) -> None:
    await signed_in_admin(client, users)
    bad = (
        "username,display_name,role,team\n"
        "nia,Nia Reid,practitioner,North\n"
        "x,Too short,practitioner,\n"
        "sol,Sol,research,\n"
        "tam,Tam,practitioner\n"
        "NIA,Nia again,practitioner,\n"
        "ada,Ada twice,admin,\n"
    )
    status, text = await _upload(client, bad.encode())
    assert status == 422 and "Nobody was added" in text
    assert dict(client.template.context["errors"]) == {
        3: "Usernames are 2 to 64 characters: lowercase letters, digits, dots, dashes or "
        "underscores, starting with a letter or digit.",
        4: "Choose a role: practitioner, team_lead or admin.",
        5: "Expected 4 values, found 3.",
        6: "'nia' is also on line 2.",
        7: "'ada' already exists here.",
    }
    assert "Line 6" in text and "Line 7" in text
    assert await _people() == {"ada"}


async def test_a_wrong_header_an_oversized_file_and_a_wrong_encoding_are_refused(
    client: Client, users: UserFactory
) -> None:
    await signed_in_admin(client, users)
    cases = [
        (b"name,role\nnia,practitioner\n", "The first line must be"),
        (GOOD.encode() + b"x" * importing.MAX_BYTES, "larger than 256 KB"),
        (GOOD.replace("Nia", "Ni\u00e1").encode("latin-1"), "not UTF-8"),
        (GOOD.encode("utf-16"), "not UTF-8"),
        (b"username,display_name,role,team\n", "nobody in it"),
        (b"", "The first line must be"),
    ]
    for data, words in cases:
        status, text = await _upload(client, data)
        assert status == 422 and words in text, words
    token = await support.csrf(client, "/admin/people/import")
    no_file = await client.post("/admin/people/import", data={"csrf_token": token})
    assert no_file.status_code == 422 and "Choose a CSV file" in no_file.text
    assert await _people() == {"ada"}


async def test_only_an_admin_imports(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(other_client, pat)
    token = await support.csrf(other_client, "/")
    answer = await other_client.post(
        "/admin/people/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", GOOD.encode(), "text/csv")},
    )
    assert answer.status_code == 403
    assert await _people() == {"pat"}
