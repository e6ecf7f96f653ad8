"""The server half of kexpwa's offline sync, free of any web framework or ORM.

- :mod:`sync.versions`, :mod:`sync.v1`, :mod:`sync.envelope`, :mod:`sync.wire`: the push body.
- :mod:`sync.push`: exactly-once, in-order application of a push through a :class:`Store`.
- :mod:`sync.pull` and :mod:`sync.cursor`: gap-free paging of changes from a :class:`Feed`.
- :mod:`sync.errors`: the error catalogue. :mod:`sync.ports`: what a database must provide.

The wire contract, its invariants and the catalogue are in ``sync/PROTOCOL.md``.
"""

from sync.envelope import Limits, Mutation, Push
from sync.errors import SyncError
from sync.ports import Feed, Store
from sync.pull import pull
from sync.push import push

__all__ = ["Feed", "Limits", "Mutation", "Push", "Store", "SyncError", "pull", "push"]
