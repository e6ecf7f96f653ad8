"""The page client is written as one plain script per concern (static/js/page/) and served as two
content-hashed files: ``js/page.js`` on every page and ``js/form.js`` (what only a capture form
runs) on pages with such a form; each is its parts joined in their declared order, nothing
else."""

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
FORM_PARTS = BUNDLES["js/form.js"]


def test_every_part_of_the_page_client_is_in_one_bundle_in_order() -> None:
    on_disk = {p.relative_to(STATIC_DIR).as_posix() for p in (STATIC_DIR / "js/page").glob("*.js")}
    assert sorted(PARTS + FORM_PARTS) == sorted(on_disk), "each page script in one bundle, once"
    assert set(BUNDLES) == {"js/page.js", "js/form.js"}
    assert PARTS[0] == "js/page/kx.js"  # the namespace first: every other part extends it
    assert PARTS[-1] == "js/page/offline.js"  # start-up last, once every part has registered
    # form.js runs after page.js (base.html loads it later, both deferred): its parts extend
    # what page.js registered (records.js wraps kx.drafts.restore before the start-up's
    # DOMContentLoaded calls it), and nothing in page.js needs them to load.
    assert FORM_PARTS[-1] == "js/page/forms.js"


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


def test_the_worker_precaches_the_bundles_not_their_parts() -> None:
    urls = precache_urls()
    assert assets.url("js/page.js") in urls
    assert assets.url("js/form.js") in urls  # a form opened offline has its scripts
    assert not [u for u in urls if "/js/page/" in u]


async def test_only_pages_with_a_capture_form_load_the_form_bundle_and_the_rules(
    client: Client, users: UserFactory
) -> None:
    """js/form.js and #kx-config's identifier rules (about 10 KB and 1.8 KB compressed) only
    where a form is checked and saved: not on the sign-in page, home, the lists, "Needs
    attention" or "This device"."""
    script = f'<script src="{assets.url("js/form.js")}" defer></script>'
    rules = '"identifiers": {'
    page = (await client.get("/login")).text
    assert script not in page and '"identifiers": null' in page
    await sign_in(client, users)
    for path in ("/", "/notes", "/journal", "/time", "/projects", "/attention", "/device"):
        page = (await client.get(path)).text
        assert assets.url("js/page.js") in page, path
        assert script not in page and rules not in page and "data-kind=" not in page, path
    for path in ("/notes/new", "/time/new", "/journal/new?template=gibbs", "/projects/new",
                 "/notes/offline-edit", "/participation"):  # fmt: skip
        page = (await client.get(path)).text
        assert script in page and rules in page, path
        # after page.js, whose namespace and start-up its parts extend
        assert page.index(assets.url("js/page.js")) < page.index(script), path


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
        if name not in PARTS + FORM_PARTS:
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
