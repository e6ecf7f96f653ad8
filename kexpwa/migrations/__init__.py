"""Migrations, one package per Tortoise app. ``kexpwa migrate`` applies them to every database.

``TORTOISE_ORM`` is only for writing new migrations (``make migrations``): it points both apps
at a throwaway in-memory database so the autodetector can compare models with migration state.
"""

from kexpwa.db import app_configs

TORTOISE_ORM = {
    "connections": {"void": "sqlite://:memory:", "directory": "sqlite://:memory:"},
    "apps": app_configs(),
}
