"""Password hashing profiles: the real cost by default, the cheap one only outside production,
and a cheaper hash upgraded when its owner next signs in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kexpwa import settings as settings_module
from kexpwa import tenancy
from kexpwa.auth import passwords
from kexpwa.models.account import User
from kexpwa.settings import SettingsError
from tests import support
from tests.conftest import Client


@pytest.fixture
def standard() -> Iterator[None]:
    passwords.use_profile(passwords.STANDARD)
    yield
    passwords.use_profile(support.TEST_HASH_PROFILE)


def test_the_default_is_argon2id_at_rfc_9106_low_memory_cost(standard: None) -> None:
    assert settings_module.load({}).password_hash_profile == "standard"
    stored = passwords.hash_password("a long passphrase")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify(stored, "a long passphrase")
    assert not passwords.verify(stored, "a long passphrasE")


def test_the_fast_profile_is_still_argon2id_and_refused_in_production() -> None:
    stored = passwords.hash_password("a long passphrase")
    assert stored.startswith("$argon2id$")
    assert "m=65536" not in stored
    fast = {"KEXPWA_PASSWORD_HASH_PROFILE": "fast-for-tests"}
    assert settings_module.load(fast).password_hash_profile == "fast-for-tests"
    with pytest.raises(SettingsError, match="KEXPWA_PASSWORD_HASH_PROFILE must be standard"):
        settings_module.load({**fast, "KEXPWA_PRODUCTION": "true"})
    with pytest.raises(SettingsError, match="KEXPWA_PASSWORD_HASH_PROFILE: expected one of"):
        settings_module.load({"KEXPWA_PASSWORD_HASH_PROFILE": "md5"})


async def test_a_cheaper_hash_is_upgraded_at_the_next_sign_in(
    client: Client, users: support.UserFactory, standard: None
) -> None:
    passwords.use_profile(support.TEST_HASH_PROFILE)
    pat = await users("edinburgh", "pat")  # hashed cheaply
    passwords.use_profile(passwords.STANDARD)
    assert (await support.sign_in(client, pat)).status_code == 303
    with tenancy.bound("edinburgh"):
        stored = (await User.get(username="pat")).password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify(stored, pat.password)
