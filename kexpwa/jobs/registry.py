"""Every job a worker can run: {job name: handler}. A new job is one handler and one line."""

from __future__ import annotations

from kexpwa.jobs import purge
from kexpwa.jobs.worker import Handler

HANDLERS: dict[str, Handler] = {
    "purge": purge.handle,
}
