"""Tortoise models. ``AUTHORITY_MODULES`` live in every authority's own database;
``DIRECTORY_MODULES`` live in the small cross-authority directory database."""

AUTHORITY_MODULES = [
    "kexpwa.models.account",
    "kexpwa.models.audit",
    "kexpwa.models.records",
    "kexpwa.models.sync",
    "kexpwa.models.push",
    "kexpwa.models.jobs",
    "kexpwa.models.flags",
    "kexpwa.models.reading",
    "kexpwa.models.feedback",
    "kexpwa.models.consent",
]
DIRECTORY_MODULES = ["kexpwa.models.directory"]
