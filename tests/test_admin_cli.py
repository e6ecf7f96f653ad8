"""The admin commands, run as an operator runs them (a real process, real SQLite databases):
each one's effect, its audit row (actor ``cli``), and clear refusals."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

from tests.test_cli import PASSWORD, Kexpwa, initialised, kexpwa  # noqa: F401 (fixtures)


def _one(path: Path, sql: str, *params: object) -> tuple[object, ...]:
    with sqlite3.connect(path) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return tuple(row)


def _audit(path: Path, action: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        sql = "SELECT actor_role, target_id, detail FROM audit_event WHERE action = ? ORDER BY id"
        return conn.execute(sql, (action,)).fetchall()


def _add(k: Kexpwa, username: str, role: str = "practitioner", **more: str) -> None:
    args = ["user", "add", "--authority", "edinburgh", "--username", username, "--role", role]
    for key, value in more.items():
        args += [f"--{key}", value]
    k.ok(*args, "--password-stdin", stdin=PASSWORD + "\n")


def test_every_admin_command_acts_and_is_audited(initialised: Kexpwa, tmp_path: Path) -> None:  # noqa: F811
    k = initialised
    db = k.data_dir / "edinburgh.sqlite3"
    _add(k, "ada", "admin")
    _add(k, "pat", team="Team A")
    _add(k, "lee", "team_lead", team="Team A")
    at = "--authority", "edinburgh"

    k.ok("user", "set-role", *at, "--username", "pat", "--role", "team_lead")
    assert _one(db, "SELECT role FROM user WHERE username = 'pat'") == ("team_lead",)
    assert _audit(db, "user.role_changed")[-1][0] == "cli"
    k.ok("user", "set-role", *at, "--username", "pat", "--role", "practitioner")

    k.ok("user", "move", *at, "--username", "pat", "--team", "Team B")
    assert _one(
        db, "SELECT t.name FROM user u JOIN team t ON t.id = u.team_id WHERE username = 'pat'"
    ) == ("Team B",)
    assert _audit(db, "user.moved")[-1][0] == "cli"

    k.ok("user", "deactivate", *at, "--username", "pat")
    assert _one(db, "SELECT is_active FROM user WHERE username = 'pat'") == (0,)
    k.ok("user", "reactivate", *at, "--username", "pat")
    assert _one(db, "SELECT is_active FROM user WHERE username = 'pat'") == (1,)
    assert _audit(db, "user.deactivated") and _audit(db, "user.activated")

    out = k.ok("user", "reset-password", *at, "--username", "pat")
    temporary = out.strip().rsplit(" ", 1)[1]
    assert len(temporary) >= 10
    assert _one(db, "SELECT must_change_password FROM user WHERE username = 'pat'") == (1,)
    assert temporary not in str(_audit(db, "user.password_reset"))

    k.ok("user", "sign-out-everywhere", *at, "--username", "pat")
    assert _audit(db, "user.signed_out_everywhere")[-1][0] == "cli"

    k.ok("team", "add", *at, "--name", "North")
    k.ok("team", "rename", *at, "--name", "North", "--to", "North East")
    k.ok("team", "leads", *at, "--name", "North East", "--lead", "lee")
    leads = _one(
        db,
        "SELECT count(*) FROM team_lead tl JOIN team t ON t.id = tl.team_id "
        "WHERE t.name = 'North East'",
    )
    assert leads == (1,)
    for action in ("team.created", "team.renamed", "team.leads_changed"):
        assert _audit(db, action)[-1][0] == "cli", action

    # A device, as sync would register it: listed, then revoked.
    pat_id = _one(db, "SELECT id FROM user WHERE username = 'pat'")[0]
    client_id = str(uuid.uuid4())
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO sync_client (id, user_id, last_seq, created_at, last_seen_at, device) "
            "VALUES (?, ?, 0, '2026-11-20 09:00:00+00:00', '2026-11-21 09:00:00+00:00', "
            "'Chrome on Android')",
            (client_id, pat_id),
        )
    listed = k.ok("device", "list", *at, "--username", "pat")
    assert client_id in listed and "Chrome on Android" in listed and "active" in listed
    k.ok("device", "revoke", *at, "--id", client_id)
    assert _one(db, "SELECT revoked_at IS NOT NULL FROM sync_client WHERE id = ?", client_id) == (
        1,
    )
    assert "revoked" in k.ok("device", "list", *at, "--username", "pat")
    assert _audit(db, "device.revoked")[-1][0] == "cli"

    csv_file = tmp_path / "people.csv"
    csv_file.write_text("username,display_name,role,team\nnia,Nia Reid,practitioner,North East\n")
    imported = k.ok("user", "import", *at, str(csv_file))
    assert imported.startswith("nia\t")
    assert json.loads(str(_audit(db, "users.imported")[-1][2])) == {"count": 1}


def test_admin_commands_refuse_clearly(initialised: Kexpwa, tmp_path: Path) -> None:  # noqa: F811
    k = initialised
    _add(k, "ada", "admin")
    at = "--authority", "edinburgh"
    assert "last admin" in k.fails(
        "user", "set-role", *at, "--username", "ada", "--role", "practitioner"
    )
    assert "last admin" in k.fails("user", "deactivate", *at, "--username", "ada")
    assert "No person called" in k.fails(
        "user", "move", "--authority", "east-lothian", "--username", "ada", "--team", "X"
    )
    assert "unknown authority" in k.fails(
        "user", "reset-password", "--authority", "nowhere", "--username", "ada"
    )
    assert "No such device" in k.fails("device", "revoke", *at, "--id", str(uuid.uuid4()))
    assert "No team called" in k.fails("team", "rename", *at, "--name", "Nope", "--to", "X")
    bad = tmp_path / "bad.csv"
    bad.write_text("username,display_name,role,team\nx,X,practitioner,\n")
    assert "line 2" in k.fails("user", "import", *at, str(bad))
    # Research accounts: managed from the CLI only.
    k.ok(
        "user",
        "add",
        "--research",
        "--username",
        "rowan",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    k.ok("user", "deactivate", "--research", "--username", "rowan")
    directory = k.data_dir / "directory.sqlite3"
    assert _one(directory, "SELECT is_active FROM research_account") == (0,)
    assert "No research account" in k.fails(
        "user", "reactivate", "--research", "--username", "nobody"
    )
