"""Local static assets, versioned by content hash so browsers and the service worker never
mix an old file with a new page. Hashes are computed once at start-up."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


class Assets:
    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.root = root

    @cached_property
    def hashes(self) -> dict[str, str]:
        """{relative path: first 12 hex digits of its sha256}, for every file under static/."""
        out: dict[str, str] = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                out[path.relative_to(self.root).as_posix()] = digest
        return out

    def url(self, path: str) -> str:
        """``/static/<path>?v=<hash>``; raises KeyError for a file that does not exist."""
        return f"/static/{path}?v={self.hashes[path]}"


class VersionedStaticFiles(StaticFiles):
    """Static files; a request carrying ``?v=`` may be cached for a year, as it never changes."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers.setdefault("Cache-Control", "no-cache")
        return response


assets = Assets()
