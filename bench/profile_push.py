"""Where a push's time goes: ``pushes`` pushes of 200 notes of about 2 KB, in-process (no HTTP),
on a fresh SQLite or PostgreSQL deployment, under cProfile, against a raw bulk insert of as
many rows. Not a benchmark (cProfile slows Python code down several times); a profile.

    .venv/bin/python -m bench.profile_push sqlite 10
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sync
from bench import sync_deploy
from bench.bench_sync import BATCH, _note, body
from kexpwa import settings as settings_module
from kexpwa import tenancy
from kexpwa.db import open_databases
from kexpwa.domain.kinds import Context
from kexpwa.models.account import User
from kexpwa.syncing.store import TortoiseStore
from sync.envelope import Limits

LIMITS = Limits(BATCH, 2_097_152)


def _body(client_id: str, seqs: range) -> bytes:
    mutations = [_note(seq) for seq in seqs]
    return json.dumps(
        {"client_id": client_id, "schema_version": 1, "mutations": mutations}
    ).encode()


async def _profile(dep: sync_deploy.Deployment, pushes: int) -> None:
    async with open_databases(dep.config):
        with tenancy.bound("edinburgh"):
            ctx = Context.of(await User.get(username="pat"), settings_module.load({}))
            client_id = str(uuid.uuid4())
            bodies = [
                _body(client_id, range(1 + BATCH * k, 1 + BATCH * (k + 1))) for k in range(pushes)
            ]
            await sync.push(TortoiseStore(ctx), _body(str(uuid.uuid4()), range(1, 2)), LIMITS)
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for raw in bodies:
                await sync.push(TortoiseStore(ctx), raw, LIMITS)
            profile.disable()
            elapsed = time.perf_counter() - started
    owner = await sync_deploy.user_id(dep, "pat")
    rows = BATCH * pushes
    raw = await sync_deploy.raw_insert_notes(dep, owner, [body(n) for n in range(rows)])
    print(f"{dep.backend}: {rows} notes in {elapsed:.2f} s under cProfile; raw insert {raw:.3f} s")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    pushes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory(prefix="kexpwa-profile-") as folder:
        with sync_deploy.deployment(backend, Path(folder)) as dep:
            asyncio.run(_profile(dep, pushes))


if __name__ == "__main__":
    main()
