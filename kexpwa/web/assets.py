"""Local static assets, versioned by content hash so browsers and the service worker never
mix an old file with a new page. Hashes are computed once at start-up.

A *bundle* is one served file made by joining several source files in a fixed order: the page
client is written as one small plain script per concern (``static/js/page/``) but goes over the
wire as ``js/page.js``, so the split costs neither a loader nor a request and gzip overhead per
file.

Our own scripts are commented for their readers, not for phones: they are served with their
whole-line ``//`` comments left out (nothing else changes, so the code that runs is the code
in the repository; vendored files are served as they are)."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
# Loaded only by pages that use it (templating.Needs), and by a page that shows a list in place.
HTMX = "vendor/htmx-2.0.11.min.js"
# Served name -> its parts, in load order (each part is an IIFE that reads and extends window.kx).
BUNDLES: dict[str, tuple[str, ...]] = {
    "js/page.js": tuple(
        f"js/page/{name}.js"
        for name in (
            "kx",
            "format",
            "worker",
            "drafts",
            "unfinished",
            "pending",
            "thread",
            "status",
            "guard",
            "offline",
        )
    ),
    # What only a page with a capture, delete or restore form runs (templating.Needs:
    # ``needs("forms")``), loaded after page.js: the checks, the identifier scan and warning,
    # the on-device copy of an entry, the list in place after a save, and the save itself.
    "js/form.js": tuple(
        f"js/page/{name}.js"
        for name in ("dates", "checks", "identifiers", "idcheck", "records", "swap", "forms")
    ),
}


def without_comment_lines(source: bytes) -> bytes:
    """The script without lines that hold only a ``//`` comment. Our scripts use no template
    literals (tests/test_assets.py checks), so such a line can never be inside a string."""
    kept = [line for line in source.splitlines() if not line.lstrip().startswith(b"//")]
    return b"\n".join(kept) + b"\n"


def _served_bytes(name: str, raw: bytes) -> bytes:
    if name.endswith(".js") and not name.startswith("vendor/"):
        return without_comment_lines(raw)
    return raw


class Assets:
    def __init__(
        self, root: Path = STATIC_DIR, bundles: dict[str, tuple[str, ...]] | None = None
    ) -> None:
        self.root = root
        self.bundles = BUNDLES if bundles is None else bundles

    @cached_property
    def bundled(self) -> dict[str, bytes]:
        """{bundle name: its bytes}; a missing part raises at start-up, not on a request."""
        return {
            name: b"".join((self.root / part).read_bytes().rstrip(b"\n") + b"\n" for part in parts)
            for name, parts in self.bundles.items()
        }

    @cached_property
    def served(self) -> dict[str, bytes]:
        """{name: the bytes sent} for what is served from memory rather than from disk: the
        bundles, and our own scripts without their comment lines."""
        parts = {part for names in self.bundles.values() for part in names}
        out = {name: _served_bytes(name, body) for name, body in self.bundled.items()}
        for path in sorted(self.root.rglob("*.js")):
            name = path.relative_to(self.root).as_posix()
            if name not in parts and not name.startswith("vendor/"):
                out[name] = _served_bytes(name, path.read_bytes())
        return out

    @cached_property
    def hashes(self) -> dict[str, str]:
        """{relative path: first 12 hex digits of its sha256}, for every file under static/ that
        is served: bundles in place of their parts."""
        parts = {part for names in self.bundles.values() for part in names}
        out: dict[str, str] = {}
        for path in sorted(self.root.rglob("*")):
            name = path.relative_to(self.root).as_posix()
            if path.is_file() and name not in parts:
                out[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for name, body in self.served.items():
            out[name] = hashlib.sha256(body).hexdigest()[:12]
        return dict(sorted(out.items()))

    def url(self, path: str) -> str:
        """``/static/<path>?v=<hash>``; raises KeyError for a file that does not exist."""
        return f"/static/{path}?v={self.hashes[path]}"


class VersionedStaticFiles(StaticFiles):
    """Static files; a request carrying ``?v=`` may be cached for a year, as it never changes."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        body = assets.served.get(path)
        if body is not None and scope["method"] in ("GET", "HEAD"):
            response: Response = Response(body, media_type="text/javascript")
        else:
            response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers.setdefault("Cache-Control", "no-cache")
        return response


assets = Assets()
