"""Every job a worker can run: {job name: handler}. A new job is one handler and one line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from kexpwa.jobs import purge
from kexpwa.push import sender
from kexpwa.settings import Settings

# A handler gets the settings and the job's payload, with the job's authority bound.
Handler = Callable[[Settings, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "purge": purge.handle,
    "push.send": sender.handle,
}
