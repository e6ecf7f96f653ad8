"""Settings: one declaration each, documented in the README, parsed with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kexpwa import settings as settings_module
from kexpwa.settings import SETTINGS, SettingsError

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_rows() -> dict[str, str]:
    text = README.read_text()
    section = text.split("## Settings", 1)[1]
    rows = re.findall(r"^\| `(KEXPWA_[A-Z_]+)` \| [^|]* \| (.+) \|$", section, flags=re.M)
    return dict(rows)


def test_readme_table_lists_every_setting_with_its_help() -> None:
    rows = _readme_rows()
    assert set(rows) == {s.env for s in SETTINGS}
    for setting in SETTINGS:
        assert rows[setting.env].strip() == setting.help, setting.env


def test_every_setting_has_a_help_line_and_env_prefix() -> None:
    for setting in SETTINGS:
        assert setting.env.startswith("KEXPWA_") and setting.help.endswith(".")


def test_port_falls_back_to_platform_port() -> None:
    assert settings_module.load({"PORT": "5123"}).port == 5123
    assert settings_module.load({"PORT": "5123", "KEXPWA_PORT": "7000"}).port == 7000


@pytest.mark.parametrize(
    "env", [{"KEXPWA_PORT": "eighty"}, {"KEXPWA_DEBUG": "maybe"}, {"KEXPWA_UNDO_DAYS": "1.5"}]
)
def test_bad_values_name_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(env))):
        settings_module.load(env)


def test_debug_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="production"):
        settings_module.load({"KEXPWA_DEBUG": "true", "KEXPWA_PRODUCTION": "true"})


def test_lists_are_configurable() -> None:
    loaded = settings_module.load({"KEXPWA_ACTIVITIES": "Fieldwork; Reading ;;Writing"})
    assert loaded.activities == ("Fieldwork", "Reading", "Writing")
    assert settings_module.load({}).activities == settings_module.DEFAULT_ACTIVITIES
