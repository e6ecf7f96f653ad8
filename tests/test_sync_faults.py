"""Faults with real processes and real databases: a response lost after the commit, a server
SIGKILLed in the middle of a batch, and two app processes on one PostgreSQL receiving
overlapping replays of one device's queue at the same time."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.models.records import Note
from kexpwa.models.sync import AppliedMutation, SyncClient
from tests import servers
from tests.servers import HOST, KexpwaServer
from tests.support import UserFactory
from tests.sync_support import Device, envelope, mutation, note_data, statuses


class LosingProxy:
    """A TCP proxy in front of a server, one request per connection. While ``lose`` is set it
    forwards the request, reads the server's whole response (so the server has committed and
    answered) and then drops the client's connection without passing on a byte."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.lose = False
        self.lost = 0
        self.server: asyncio.Server | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://{HOST}:{self.server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> LosingProxy:
        self.server = await asyncio.start_server(self._handle, HOST, 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = [
                line
                for line in head.split(b"\r\n")
                if line and not line.lower().startswith(b"connection:")
            ]
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in lines
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            body = await reader.readexactly(length)
            up_reader, up_writer = await asyncio.open_connection(HOST, self.upstream_port)
            up_writer.write(b"\r\n".join([*lines, b"Connection: close", b"", b""]) + body)
            await up_writer.drain()
            response = await up_reader.read()  # to EOF: the whole response
            up_writer.close()
            if self.lose:
                self.lost += 1
                writer.transport.abort()  # the phone went into a tunnel
                return
            writer.write(response)
            await writer.drain()
        finally:
            writer.close()


async def _count(model: Any) -> int:
    with tenancy.bound("edinburgh"):
        return int(await model.all().count())


def _no_server_errors(*running: KexpwaServer) -> None:
    for server in running:
        log = server.log_text()
        assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]


async def test_a_lost_response_is_answered_duplicate_on_retry(
    cfg: Config, users: UserFactory, tmp_path: Path
) -> None:
    pat = await users("edinburgh", "pat")
    with KexpwaServer(tmp_path) as server:
        async with (
            LosingProxy(server.port) as proxy,
            httpx2.AsyncClient(base_url=proxy.base_url, timeout=30) as http,
        ):
            device = Device(http, await servers.sign_in(http, pat))
            rid = uuid.uuid4()
            batch = [device.make(record_id=rid), device.make(), device.make()]
            batch.append(device.make(record_id=rid, data={"body": "edit"}, base_version=1))
            proxy.lose = True
            with pytest.raises(httpx2.TransportError):
                await device.post(envelope(device.client_id, batch))
            assert proxy.lost == 1
            assert (await _count(Note), await _count(AppliedMutation)) == (3, 4)  # committed
            proxy.lose = False
            replay = await device.push(*batch)
            assert statuses(replay) == ["duplicate"] * 4
            assert [r["original_status"] for r in replay["results"]] == ["applied"] * 4
            assert [r["version"] for r in replay["results"]] == [1, 1, 1, 2]
            assert (await _count(Note), await _count(AppliedMutation)) == (3, 4)
    _no_server_errors(server)


async def test_sigkill_in_the_middle_of_a_batch_then_replay_is_exactly_once(
    cfg: Config, users: UserFactory, tmp_path: Path
) -> None:
    pat = await users("edinburgh", "pat")
    server = KexpwaServer(tmp_path).start()
    try:
        async with server.client() as http:
            device = Device(http, await servers.sign_in(http, pat))
            batch = [device.make(data=note_data(body="x" * 2000)) for _ in range(200)]
            sending = asyncio.create_task(device.post(envelope(device.client_id, batch)))
            while await _count(AppliedMutation) < 10:
                assert not sending.done(), "the batch finished before the kill"
                await asyncio.sleep(0.002)
            server.kill()
            with pytest.raises(httpx2.TransportError):
                await sending
            committed = await _count(AppliedMutation)
            assert 0 < committed < len(batch)
            assert await _count(Note) == committed  # each change committed with its log row
            server.start()
            payload = await device.push(*batch)  # the same session cookie still works
            assert statuses(payload) == ["duplicate"] * committed + ["applied"] * (
                len(batch) - committed
            )
            assert payload["last_seq"] == len(batch)
            with tenancy.bound("edinburgh"):
                assert set(await Note.all().values_list("version", flat=True)) == {1}
            assert (await _count(Note), await _count(AppliedMutation)) == (200, 200)
    finally:
        server.stop()
    _no_server_errors(server)


def _queue(records: list[uuid.UUID], rounds: int) -> list[dict[str, Any]]:
    """Creates, then ``rounds`` edits of each record, each based on the version before."""
    queue = [mutation(i + 1, record_id=r) for i, r in enumerate(records)]
    for version in range(1, rounds + 1):
        for r in records:
            data = {"body": f"edit {version}"}
            queue.append(mutation(len(queue) + 1, record_id=r, data=data, base_version=version))
    return queue


# Two app processes share one database only on PostgreSQL, so this runs there alone.
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_processes_overlapping_replays_apply_exactly_once(
    backend: str, cfg: Config, users: UserFactory, tmp_path: Path
) -> None:
    pat = await users("edinburgh", "pat")
    records = [uuid.uuid4() for _ in range(8)]
    queue = _queue(records, rounds=5)  # 48 mutations, chained on versions
    client_id = uuid.uuid4()
    answers: list[dict[str, Any]] = []
    with KexpwaServer(tmp_path) as one, KexpwaServer(tmp_path) as two:
        async with one.client() as h1, two.client() as h2:
            devices = [Device(h1, await servers.sign_in(h1, pat), client_id)]
            devices.append(Device(h2, await servers.sign_in(h2, pat), client_id))

            async def send(device: Device, lo: int, hi: int) -> None:
                window = queue[lo:hi]
                for _ in range(400):
                    response = await device.post(envelope(client_id, window))
                    assert response.status_code == 200, response.text
                    results = response.json()["results"]
                    answers.extend(r for r in results if r["status"] != "out_of_order")
                    if all(r["status"] != "out_of_order" for r in results):
                        return
                    await asyncio.sleep(0.01)
                raise AssertionError("a window never got through")

            windows = [(0, 24), (12, 36), (0, 48), (24, 48), (36, 48), (6, 30), (0, 12), (30, 48)]
            await asyncio.wait_for(
                asyncio.gather(
                    *(send(devices[i % 2], lo, hi) for i, (lo, hi) in enumerate(windows * 2))
                ),
                timeout=120,
            )
    _no_server_errors(one, two)
    applied = Counter(a["mutation_id"] for a in answers if a["status"] == "applied")
    assert set(applied.values()) == {1} and len(applied) == len(queue)
    first = {a["mutation_id"]: a for a in answers if a["status"] == "applied"}
    for answer in answers:
        if answer["status"] == "duplicate":
            assert answer["version"] == first[answer["mutation_id"]]["version"]
    with tenancy.bound("edinburgh"):
        assert await AppliedMutation.all().count() == len(queue)
        notes = await Note.filter(id__in=records)
        assert {(n.version, n.body) for n in notes} == {(6, "edit 5")}
        assert (await SyncClient.get(id=client_id)).last_seq == len(queue)
