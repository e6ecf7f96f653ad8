"""The deployment's authorities config: which councils exist and where each one's database is.

The file is TOML, written once by ``kexpwa init`` and edited by hand afterwards::

    secret_key = "..."                 # signs sessions; generated, never committed
    vapid_private_key = "..."          # signs Web Push messages; generated, never committed

    [directory]                        # cross-authority accounts (research fellow)
    url = "sqlite://data/directory.sqlite3"

    [[authority]]
    slug = "edinburgh"
    name = "City of Edinburgh Council"
    url = "sqlite://data/edinburgh.sqlite3"   # or postgres://user@host:5432/db
    pseudonym_key = "..."              # keys research pseudonyms; stays with the council
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
SCHEMES = ("sqlite", "postgres")
RESERVED_SLUG = "research"  # the sign-in form's choice for cross-authority research accounts

DEMO_AUTHORITIES = (
    ("edinburgh", "City of Edinburgh Council"),
    ("east-lothian", "East Lothian Council"),
)


class ConfigError(ValueError):
    """The config file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Authority:
    slug: str
    name: str
    url: str
    pseudonym_key: str

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0]


@dataclass(frozen=True)
class Config:
    secret_key: str
    directory_url: str
    authorities: tuple[Authority, ...]
    # Web Push's VAPID private key (kexpwa.push.vapid); "" until `kexpwa init` adds one.
    vapid_private_key: str = ""

    def authority(self, slug: str) -> Authority:
        """Return the authority with this slug, or raise ConfigError."""
        for authority in self.authorities:
            if authority.slug == slug:
                return authority
        raise ConfigError(f"unknown authority {slug!r}")

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(a.slug for a in self.authorities)


def _check_url(url: object, where: str) -> str:
    if not isinstance(url, str) or "://" not in url:
        raise ConfigError(f"{where}: url must look like sqlite://path or postgres://...")
    scheme = url.split("://", 1)[0]
    if scheme == "postgresql":
        url = "postgres://" + url.split("://", 1)[1]
        scheme = "postgres"
    if scheme not in SCHEMES:
        raise ConfigError(f"{where}: unsupported database scheme {scheme!r}")
    return url


def parse(data: dict[str, object]) -> Config:
    """Validate a decoded config mapping. Raises ConfigError with the offending key."""
    secret = data.get("secret_key")
    if not isinstance(secret, str) or len(secret) < 32:
        raise ConfigError("secret_key must be a string of at least 32 characters")
    directory = data.get("directory")
    if not isinstance(directory, dict):
        raise ConfigError("[directory] section with a url is required")
    directory_url = _check_url(directory.get("url"), "[directory]")
    raw = data.get("authority")
    if not isinstance(raw, list) or not raw:
        raise ConfigError("at least one [[authority]] is required")
    authorities: list[Authority] = []
    for index, item in enumerate(raw):
        where = f"[[authority]] #{index + 1}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: must be a table")
        slug = item.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            raise ConfigError(f"{where}: slug must be lowercase letters, digits and hyphens")
        if slug == RESERVED_SLUG:
            raise ConfigError(
                f"{where}: the slug {RESERVED_SLUG!r} is reserved for research accounts"
            )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: name is required")
        key = item.get("pseudonym_key")
        if not isinstance(key, str) or len(key) < 32:
            raise ConfigError(f"{where}: pseudonym_key must be at least 32 characters")
        url = _check_url(item.get("url"), where)
        authorities.append(Authority(slug=slug, name=name.strip(), url=url, pseudonym_key=key))
    slugs = [a.slug for a in authorities]
    if len(set(slugs)) != len(slugs):
        raise ConfigError("authority slugs must be unique")
    urls = [a.url for a in authorities] + [directory_url]
    if len(set(urls)) != len(urls):
        raise ConfigError("every authority and the directory need a database of their own")
    schemes = {a.scheme for a in authorities}
    if len(schemes) > 1:
        # Tortoise builds SQL with the dialect of a model's default connection, so all
        # authority databases in one deployment must share a backend.
        raise ConfigError("all authorities must use the same database backend")
    vapid = data.get("vapid_private_key", "")
    if not isinstance(vapid, str) or (vapid and len(vapid) != 43):
        raise ConfigError("vapid_private_key must be the key `kexpwa init` writes (43 characters)")
    return Config(
        secret_key=secret,
        directory_url=directory_url,
        authorities=tuple(authorities),
        vapid_private_key=vapid,
    )


def load(path: Path) -> Config:
    """Read and validate the config file at ``path``."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"no config at {path}; run `kexpwa init` first") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse(data)


def _sqlite_url(data_dir: Path, name: str) -> str:
    return f"sqlite://{(data_dir / f'{name}.sqlite3').as_posix()}"


def demo_data(data_dir: Path) -> dict[str, object]:
    """The default config: the two demo authorities, each with its own SQLite file."""
    return {
        "secret_key": secrets.token_urlsafe(48),
        "directory": {"url": _sqlite_url(data_dir, "directory")},
        "authority": [
            {
                "slug": slug,
                "name": name,
                "url": _sqlite_url(data_dir, slug),
                "pseudonym_key": secrets.token_urlsafe(48),
            }
            for slug, name in DEMO_AUTHORITIES
        ],
    }


def read_raw(path: Path) -> dict[str, object]:
    """The config file's mapping as written, for a command that changes one key of it."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def write(path: Path, data: dict[str, object]) -> None:
    """Write ``data`` as the config file, readable by its owner only."""
    parse(data)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the databases live here too
    path.write_bytes(tomli_w.dumps(data).encode())
    path.chmod(0o600)
