"""A ZIP written to memory a piece at a time and handed on as it grows: the standard library's
``zipfile`` writes into :class:`Sink`, which keeps only the bytes not yet sent. The sink can
tell its position but not seek, so ``zipfile`` writes data descriptors after each entry and
never goes back: the archive can be sent while it is being made."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import datetime
from typing import IO


class Sink:
    """A write-only, position-telling buffer of bytes not yet sent."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> bytes:
        """The bytes written since the last drain (and forget them)."""
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


class Entry:
    """One file being written into the archive, with its SHA-256 and size as written."""

    def __init__(self, archive: zipfile.ZipFile, name: str, when: datetime) -> None:
        info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        self.name = name
        self._handle: IO[bytes] = archive.open(info, "w", force_zip64=True)
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)
        self._handle.write(data)

    def close(self) -> str:
        """Finish the entry; returns its SHA-256 (hex)."""
        self._handle.close()
        return self._hash.hexdigest()


def archive(sink: Sink) -> zipfile.ZipFile:
    """A new archive writing into ``sink`` (deflate at a level that keeps up with the rows)."""
    return zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=5)
