"""Demo teams, users and a little sample content, for trying kexpwa locally. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from kexpwa import accounts, tenancy
from kexpwa.config import Config
from kexpwa.models.account import Role, User
from kexpwa.models.directory import ResearchAccount

DEMO_PASSWORD = "kexpwa-demo-2026"  # noqa: S105 - printed for local demos; demo refuses production


@dataclass(frozen=True)
class DemoUser:
    authority: str
    username: str
    display_name: str
    role: Role
    team: str | None


DEMO_USERS = (
    DemoUser("edinburgh", "pat", "Pat Morrison", Role.PRACTITIONER, "Leith Children and Families"),
    DemoUser("edinburgh", "sam", "Sam Okafor", Role.PRACTITIONER, "Leith Children and Families"),
    DemoUser("edinburgh", "lee", "Lee Campbell", Role.TEAM_LEAD, "Leith Children and Families"),
    DemoUser("edinburgh", "ada", "Ada Fraser", Role.ADMIN, None),
    DemoUser(
        "east-lothian", "morgan", "Morgan Reid", Role.PRACTITIONER, "Musselburgh Family Support"
    ),
    DemoUser("east-lothian", "jo", "Jo Henderson", Role.TEAM_LEAD, "Musselburgh Family Support"),
    DemoUser("east-lothian", "kim", "Kim Stewart", Role.ADMIN, None),
)
DEMO_RESEARCH = ("rowan", "Dr Rowan Baird")


async def seed(cfg: Config) -> list[str]:
    """Create any missing demo accounts in the configured demo authorities; return a summary."""
    created: list[str] = []
    for demo in DEMO_USERS:
        if demo.authority not in cfg.slugs:
            continue
        with tenancy.bound(demo.authority):
            if await User.exists(username=demo.username):
                continue
            user = await accounts.add_user(
                username=demo.username,
                password=DEMO_PASSWORD,
                role=demo.role,
                team=demo.team,
                display_name=demo.display_name,
                actor="demo",
            )
            await _sample_content(user)
            created.append(f"{demo.authority}/{demo.username}")
    username, name = DEMO_RESEARCH
    if not await ResearchAccount.exists(username=username):
        await accounts.add_research_account(
            username=username, password=DEMO_PASSWORD, display_name=name
        )
        created.append(f"research/{username}")
    return created


async def _sample_content(user: User) -> None:
    """A little sample content for practitioners (filled in by the capture domain)."""
    if user.role != Role.PRACTITIONER:
        return
    from kexpwa.domain.samples import add_samples

    await add_samples(user)


def sign_in_help(cfg: Config) -> str:
    lines = ["Demo accounts (password for all: " + DEMO_PASSWORD + "):"]
    for demo in DEMO_USERS:
        if demo.authority in cfg.slugs:
            lines.append(
                f"  {cfg.authority(demo.authority).name:<28} {demo.username:<8} {demo.role.value}"
            )
    lines.append(f"  {'University research account':<28} {DEMO_RESEARCH[0]:<8} research")
    return "\n".join(lines)
