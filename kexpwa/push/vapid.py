"""The deployment's VAPID key pair (RFC 8292), which signs every push so that push services
know it comes from this server. The private key lives in the config file with the other
secrets (``vapid_private_key``, written by ``kexpwa init``; ``kexpwa push-keys --rotate``);
the public key is the browser's ``applicationServerKey``."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate() -> str:
    """A new private key: the raw 32-byte scalar, base64url without padding."""
    key = Vapid02()
    key.generate_keys()
    number = key.private_key.private_numbers().private_value
    return _b64url(number.to_bytes(32, "big"))


@lru_cache(maxsize=8)
def signer(private_key: str) -> Vapid02:
    """The signing key for a stored private key (raises ValueError if it is not one)."""
    try:
        return Vapid02.from_raw(private_key.encode())
    except Exception as exc:  # py_vapid raises several kinds for a malformed key
        raise ValueError("vapid_private_key is not a P-256 private key") from exc


def public_key(private_key: str) -> str:
    """The ``applicationServerKey``: the uncompressed public point, base64url."""
    point = signer(private_key).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)
