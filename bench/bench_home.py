"""GET / for a signed-in practitioner, against a bare Starlette "ok" on the same uvicorn.

The page does what every signed-in page does: read the session cookie, reload the user from
the authority's SQLite database, bind the authority, check access and render a template.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path
from typing import Any

import httpx2

from bench import harness
from bench.harness import Budget
from kexpwa.demo import DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
WHO = ("edinburgh", "pat")


async def sign_in(http: httpx2.AsyncClient, authority: str, username: str) -> None:
    """Sign in through the real form, with the CSRF token the login page hands out."""
    page = await http.get("/login")
    match = CSRF_RE.search(page.text)
    if match is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    response = await http.post(
        "/login",
        data={
            "csrf_token": match.group(1),
            "authority": authority,
            "username": username,
            "password": DEMO_PASSWORD,
        },
    )
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {authority}/{username} answered {response.status_code}")
    home = await http.get("/")
    if home.status_code != 200 or "Sign out" not in home.text:
        raise RuntimeError(f"signed-in home page answered {home.status_code}")


async def get_home(http: httpx2.AsyncClient) -> httpx2.Response:
    return await http.get("/")


async def _measure_baseline(budget: Budget) -> harness.Measurement:
    with harness.uvicorn_server("bench.baseline_app:app") as base:
        async with harness.client(base, budget.workers) as http:
            return await harness.load(http, get_home, budget)


async def _measure_home(data_dir: Path, budget: Budget) -> harness.Measurement:
    env = harness.kexpwa_data_dir(data_dir)
    with harness.uvicorn_server("kexpwa.app:asgi", factory=True, env=env) as base:
        async with harness.client(base, budget.workers) as http:
            await sign_in(http, *WHO)
            return await harness.load(http, get_home, budget)


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    with tempfile.TemporaryDirectory(prefix="kexpwa-bench-") as folder:
        baseline = asyncio.run(_measure_baseline(budget))
        home = asyncio.run(_measure_home(Path(folder), budget))
    return harness.result(
        "home",
        "GET / signed in as edinburgh/pat (SQLite) vs a bare Starlette PlainTextResponse",
        budget,
        kexpwa=home.as_dict(),
        baseline=baseline.as_dict(),
        ratios=harness.compare(home, baseline),
    )
