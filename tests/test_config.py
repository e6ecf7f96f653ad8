"""The authorities config: validated with messages that name the problem."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kexpwa import config
from kexpwa.config import ConfigError


def _data(tmp_path: Path) -> dict[str, Any]:
    return config.demo_data(tmp_path)


def test_demo_config_has_two_authorities_with_their_own_files(tmp_path: Path) -> None:
    cfg = config.parse(_data(tmp_path))
    assert cfg.slugs == ("edinburgh", "east-lothian")
    assert [a.name for a in cfg.authorities] == [
        "City of Edinburgh Council",
        "East Lothian Council",
    ]
    urls = {a.url for a in cfg.authorities} | {cfg.directory_url}
    assert len(urls) == 3 and all(u.startswith("sqlite://") for u in urls)


def test_written_config_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "kexpwa.toml"
    data = _data(tmp_path)
    config.write(path, data)
    assert path.stat().st_mode & 0o777 == 0o600
    assert config.load(path) == config.parse(data)


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d.update(secret_key="short"), "secret_key"),
        (lambda d: d.pop("directory"), "directory"),
        (lambda d: d.update(authority=[]), "at least one"),
        (lambda d: d["authority"][0].update(slug="Bad Slug"), "slug"),
        (lambda d: d["authority"][0].update(slug="research"), "reserved"),
        (lambda d: d["authority"][1].update(slug="edinburgh"), "unique"),
        (lambda d: d["authority"][1].update(url=d["authority"][0]["url"]), "own"),
        (lambda d: d["authority"][0].update(url="mysql://x/y"), "unsupported"),
        (lambda d: d["authority"][0].update(url="postgres://h/db"), "same database backend"),
        (lambda d: d["authority"][0].update(pseudonym_key=""), "pseudonym_key"),
    ],
)
def test_bad_configs_are_refused_clearly(tmp_path: Path, change: Any, message: str) -> None:
    data = copy.deepcopy(_data(tmp_path))
    change(data)
    with pytest.raises(ConfigError, match=message):
        config.parse(data)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="kexpwa init"):
        config.load(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("secret_key = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(broken)
