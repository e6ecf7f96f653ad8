"""What an export leaves behind: an audit row in every authority it read and in the directory
(who, when, the filters, row counts and the manifest hash), and for the research dataset a row
in the fellow's list of past exports. Never any content."""

from __future__ import annotations

import uuid

from kexpwa import audit, tenancy
from kexpwa.config import Config
from kexpwa.export.build import Council, Result
from kexpwa.models.directory import ResearchExport

RESEARCH_ACTION = "research.export"
OWN_ACTION = "own_data.export"


def councils(cfg: Config) -> dict[str, Council]:
    """The configured authorities, in order, as the export needs them."""
    return {a.slug: Council(a.slug, a.name, a.pseudonym_key) for a in cfg.authorities}


async def research(result: Result, account_id: uuid.UUID | None) -> None:
    """Audit a finished research export (``account_id`` None: made with the CLI)."""
    filters = result.plan.filters()
    for slug, counts in result.counts.items():
        with tenancy.bound(slug):
            await audit.record(
                RESEARCH_ACTION,
                actor_id=account_id,
                actor_role="research" if account_id else "cli",
                target_kind="export",
                filters=filters,
                rows=counts,
                manifest_sha256=result.manifest_sha256,
            )
    await audit.record_directory(
        RESEARCH_ACTION,
        actor_id=account_id,
        filters=filters,
        rows=result.counts,
        manifest_sha256=result.manifest_sha256,
    )
    await ResearchExport.create(
        account_id=account_id,
        filters=filters,
        counts=result.counts,
        manifest_sha256=result.manifest_sha256,
    )


async def own(result: Result, user_id: uuid.UUID, role: str) -> None:
    """Audit a person's download of their own data, in their authority."""
    for slug, counts in result.counts.items():
        with tenancy.bound(slug):
            await audit.record(
                OWN_ACTION,
                actor_id=user_id,
                actor_role=role,
                target_kind="user",
                target_id=user_id,
                rows=counts,
                manifest_sha256=result.manifest_sha256,
            )


async def past(account_id: uuid.UUID, limit: int = 50) -> list[ResearchExport]:
    """The fellow's past exports, newest first."""
    return await ResearchExport.filter(account_id=account_id).order_by("-created_at").limit(limit)
