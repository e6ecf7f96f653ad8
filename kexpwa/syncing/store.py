"""The push side on Tortoise: devices, the mutation log, one transaction per chunk of a push
(or per mutation when a chunk has to be applied again one by one).

Each unit is ``in_transaction`` on the bound authority, starting with ``SELECT ... FOR UPDATE``
on the device's row (PostgreSQL; SQLite runs one transaction at a time per process anyway).
Lock order is always device row, then the record (in ``changes``), then the change counter,
the same order a form post takes after its first step, so pushes and form posts cannot
deadlock on each other's locks; a deadlock or busy database elsewhere is retried whole.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import bulkwrite
from kexpwa.domain.batch import Batch
from kexpwa.domain.kinds import Context
from kexpwa.domain.transient import is_transient
from kexpwa.models.account import UserSession
from kexpwa.models.sync import AppliedMutation, SyncClient
from kexpwa.syncing import apply, conflicts
from sync.envelope import Mutation
from sync.ports import AlreadyRecorded, ClientMismatch, Result, Stored, Transient


class TortoiseUnit:
    def __init__(self, store: TortoiseStore, conn: BaseDBAsyncClient, client: SyncClient) -> None:
        self.store = store
        self.conn = conn
        self.client = client
        self.batch: Batch | None = None  # while apply_all runs

    @property
    def last_seq(self) -> int:
        return int(self.client.last_seq)

    async def stored(self, mutation_id: uuid.UUID) -> Stored | None:
        return await self.store.stored(mutation_id, self.conn)

    async def apply(self, mutation: Mutation) -> Result:
        store = self.store
        return await apply.apply(store.ctx, mutation, self.client.id, self.conn, store.conflicted)

    def _log_row(self, mutation: Mutation, result: Result) -> AppliedMutation:
        return bulkwrite.build(
            AppliedMutation,
            mutation_id=mutation.mutation_id,
            client_id=self.client.id,
            seq=mutation.seq,
            user_id=self.store.ctx.actor.id,
            kind=mutation.kind[:32],
            record_id=mutation.record_id,
            status=result["status"],
            result=result,
        )

    async def record(self, mutation: Mutation, result: Result) -> None:
        row = self._log_row(mutation, result)
        if self.batch is not None:  # written with the batch's other rows
            self.batch.add(row)
            return
        try:
            await row.save(using_db=self.conn, force_create=True)
        except IntegrityError:
            raise AlreadyRecorded() from None

    async def stored_many(self, mutation_ids: list[uuid.UUID]) -> dict[uuid.UUID, Stored]:
        rows = await AppliedMutation.filter(mutation_id__in=mutation_ids).using_db(self.conn)
        return {row.mutation_id: self.store.as_stored(row) for row in rows}

    async def apply_all(self, todo: list[tuple[Mutation, Result | None]]) -> list[Result]:
        self.batch = Batch(self.store.ctx, self.conn)
        try:
            conflicted = self.store.conflicted
            return await apply.apply_all(self.batch, todo, self.client.id, conflicted, self.record)
        finally:
            self.batch = None

    async def advance(self, seq: int) -> None:
        await (
            SyncClient.filter(id=self.client.id)
            .using_db(self.conn)
            .update(last_seq=seq, last_seen_at=datetime.now(UTC))
        )
        self.client.last_seq = seq


class DeviceRevoked(Exception):
    """The device install was revoked by an admin: the request is answered 401 ``revoked``."""


class TortoiseStore:
    """Pushes of one signed-in user, on the bound authority's database. ``session_id`` (the
    pushing session's record) and ``device`` (its browser family) tie the device install to
    the session, so that revoking the device ends that session; ``session_device`` (the
    install the session was linked to when its check read it) spares that link's write when
    it is already this install, as it is on every push but a device's first."""

    def __init__(
        self,
        ctx: Context,
        *,
        session_id: uuid.UUID | None = None,
        device: str = "",
        session_device: uuid.UUID | None = None,
    ) -> None:
        self.ctx = ctx
        self.kinds = apply.known_kinds()
        self.conflicted: set[uuid.UUID] = set()
        self.session_id = session_id
        self.device = device[:64]
        self.session_device = session_device  # the install the session is linked to now
        # The device's last seq as this push's last committed unit left it (or as registered):
        # the answer's ``last_seq`` without reading the row again.
        self._last_seq: dict[uuid.UUID, int] = {}

    async def register(self, client_id: uuid.UUID) -> int:
        client = await SyncClient.get_or_none(id=client_id)
        if client is None:
            try:
                client = await SyncClient.create(
                    id=client_id, user_id=self.ctx.actor.id, device=self.device
                )
            except IntegrityError:  # registered by a concurrent push a moment ago
                client = await SyncClient.get(id=client_id)
        if client.user_id != self.ctx.actor.id:
            raise ClientMismatch()
        if client.revoked_at is not None:
            # An admin cut this install off: nothing from it is taken, whatever session sends
            # it, and the device is told to wipe what it holds.
            if self.session_id is not None:
                await UserSession.filter(id=self.session_id, ended_at=None).update(
                    ended_at=datetime.now(UTC), end_reason="revoked"
                )
            raise DeviceRevoked()
        if self.session_id is not None and self.session_device != client_id:
            # (Not ``exclude(sync_client_id=...)``: SQL's NULL would never match it.)
            linked = Q(sync_client_id__isnull=True) | ~Q(sync_client_id=client_id)
            await UserSession.filter(linked, id=self.session_id).update(sync_client_id=client_id)
        if self.device and client.device != self.device:
            await SyncClient.filter(id=client_id).update(device=self.device)
        self.conflicted = await conflicts.open_records(self.ctx.actor.id)
        self._last_seq[client_id] = int(client.last_seq)
        return int(client.last_seq)

    @asynccontextmanager
    async def unit(self, client_id: uuid.UUID) -> AsyncIterator[TortoiseUnit]:
        try:
            async with in_transaction(tenancy.alias(tenancy.current())) as conn:
                query = SyncClient.filter(id=client_id).select_for_update().using_db(conn)
                client = await query.get()
                unit = TortoiseUnit(self, conn, client)
                yield unit
            self._last_seq[client_id] = unit.last_seq  # committed
        except AlreadyRecorded:
            raise
        except IntegrityError as exc:
            # A concurrent push created the same record id first; the retry sees it.
            raise Transient() from exc
        except Exception as exc:
            if is_transient(exc):
                raise Transient() from exc
            raise

    async def stored(
        self, mutation_id: uuid.UUID, conn: BaseDBAsyncClient | None = None
    ) -> Stored | None:
        query = AppliedMutation.filter(mutation_id=mutation_id)
        row = await (query.using_db(conn) if conn else query).first()
        return None if row is None else self.as_stored(row)

    def as_stored(self, row: AppliedMutation) -> Stored:
        return Stored(
            result=dict(row.result),
            mine=row.user_id == self.ctx.actor.id,
            kind=row.kind,
            record_id=row.record_id,
        )

    async def last_seq(self, client_id: uuid.UUID) -> int:
        """The highest seq taken, as this push's last committed unit saw it under the device
        row's lock (a push from the same device in between may have taken more since: the
        device then learns it from that push's answer, or from its next)."""
        if client_id in self._last_seq:
            return self._last_seq[client_id]
        client = await SyncClient.get(id=client_id)
        return int(client.last_seq)


# How often a pull moves a device's "last sync" (a pull of many pages writes it once).
SEEN_EVERY = timedelta(minutes=1)


async def pulled(session_id: uuid.UUID | None, now: datetime | None = None) -> None:
    """A pull went through: the device install the pulling session pushed from last (see
    :meth:`TortoiseStore.register`) synced now, even with nothing of its own to send, so a
    lead's overview and an admin's sync health do not call a quiet phone stale. One UPDATE,
    at most once a minute per device; a session that never pushed names no device."""
    if session_id is None:
        return
    now = now or datetime.now(UTC)
    device = UserSession.filter(id=session_id).values("sync_client_id")
    await SyncClient.filter(id__in=Subquery(device), last_seen_at__lt=now - SEEN_EVERY).update(
        last_seen_at=now
    )
