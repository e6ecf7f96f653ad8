"""The sync engine's Tortoise side: the :class:`sync.ports.Store` and :class:`sync.ports.Feed`
that the framework-free ``sync`` package runs against, on the bound authority's database.

- ``store``: devices, the mutation log and one transaction per chunk of a push.
- ``apply``: a mutation as a call to the one change path, ``kexpwa.domain.changes``.
- ``conflicts``: keeping losing payloads, listing them for their owner, resolving them.
- ``feed``: the changes a reader may see, through ``kexpwa.domain.visibility``.
"""
