"""The page client is written as one plain script per concern (static/js/page/) and served as one
content-hashed file, ``js/page.js``: the parts joined in their declared order, nothing else."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kexpwa.views.pwa import precache_urls
from kexpwa.web.assets import (
    BUNDLES,
    HTMX,
    STATIC_DIR,
    Assets,
    assets,
    without_comment_lines,
)
from tests.capture_helpers import sign_in
from tests.conftest import Client
from tests.support import UserFactory

PARTS = BUNDLES["js/page.js"]


def test_every_part_of_the_page_client_is_in_the_bundle_in_order() -> None:
    on_disk = {p.relative_to(STATIC_DIR).as_posix() for p in (STATIC_DIR / "js/page").glob("*.js")}
    assert set(PARTS) == on_disk, "a page script exists that the bundle would not serve"
    assert PARTS[0] == "js/page/kx.js"  # the namespace first: every other part extends it
    assert PARTS[-1] == "js/page/offline.js"  # start-up last, once every part has registered


def test_the_bundle_is_the_parts_bytes_and_its_hash_follows_them(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("var a = 1;\n\n")
    (tmp_path / "b.js").write_text("var b = 2;")
    made = Assets(tmp_path, {"both.js": ("a.js", "b.js")})
    assert made.bundled["both.js"] == b"var a = 1;\nvar b = 2;\n"
    assert made.served["both.js"] == made.bundled["both.js"]
    assert set(made.hashes) == {"both.js"}  # the parts are not served on their own
    before = made.hashes["both.js"]
    (tmp_path / "b.js").write_text("var b = 3;")
    assert Assets(tmp_path, {"both.js": ("a.js", "b.js")}).hashes["both.js"] != before


async def test_pages_load_the_bundle_and_it_is_served_cached_forever(client: Client) -> None:
    page = await client.get("/login")
    assert assets.url("js/page.js") in page.text
    assert "/static/js/page/" not in page.text
    joined = assets.bundled["js/page.js"]
    for part in PARTS:
        assert (STATIC_DIR / part).read_bytes().rstrip(b"\n") in joined
    body = assets.served["js/page.js"]
    assert body == without_comment_lines(joined)
    response = await client.get(assets.url("js/page.js"))
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert assets.hashes["js/page.js"] == hashlib.sha256(body).hexdigest()[:12]


def test_the_worker_precaches_the_bundle_not_its_parts() -> None:
    urls = precache_urls()
    assert assets.url("js/page.js") in urls
    assert not [u for u in urls if "/js/page/" in u]


def test_scripts_are_served_without_their_comment_lines_and_nothing_else_changes() -> None:
    source = (
        b'  // why this is so\nvar url = "http://x"; // kept: code before it\n\t// gone\nf();\n'
    )
    assert without_comment_lines(source) == b'var url = "http://x"; // kept: code before it\nf();\n'
    for path in sorted(STATIC_DIR.rglob("*.js")):
        name = path.relative_to(STATIC_DIR).as_posix()
        if name.startswith("vendor/"):
            continue
        # A template literal could span lines, and a line in it could look like a comment.
        assert b"`" not in without_comment_lines(path.read_bytes()), name
        code = [ln.strip() for ln in path.read_bytes().splitlines()]
        kept = [ln for ln in code if ln and not ln.startswith(b"//")]
        served = assets.served.get(name) or b""
        if name not in PARTS:
            assert [ln.strip() for ln in served.splitlines() if ln.strip()] == kept, name


async def test_vendored_files_are_served_as_they_are(client: Client) -> None:
    name = next(n for n in assets.hashes if n.startswith("vendor/"))
    response = await client.get(assets.url(name))
    assert response.content == (STATIC_DIR / name).read_bytes()


async def test_the_worker_is_served_without_comment_lines(client: Client) -> None:
    body = (await client.get("/sw.js")).text
    assert "importScripts" in body
    assert not [ln for ln in body.splitlines() if ln.lstrip().startswith("//")]


def test_every_template_with_htmx_attributes_asks_for_htmx() -> None:
    """base.html loads htmx only for pages whose parts ask (``needs("htmx")``): a part with
    ``hx-`` attributes that forgot to ask would be dead with JavaScript on."""
    templates = Path(STATIC_DIR).parent / "templates"
    forgot = [
        p.relative_to(templates).as_posix()
        for p in sorted(templates.rglob("*.html"))
        if " hx-" in p.read_text() and 'needs("htmx")' not in p.read_text()
    ]
    assert forgot == []


async def test_htmx_is_loaded_only_by_pages_that_use_it(client: Client, users: UserFactory) -> None:
    script = f'<script src="{assets.url(HTMX)}"'
    assert script not in (await client.get("/login")).text
    await sign_in(client, users)
    for path in ("/", "/notes/new", "/time/new"):
        page = (await client.get(path)).text
        assert " hx-" not in page and script not in page, path
        assert assets.url(HTMX) in page  # in #kx-config: a list shown in place loads it
    for path in ("/notes", "/journal", "/time", "/projects"):
        page = (await client.get(path)).text
        assert " hx-" in page and script in page, path
