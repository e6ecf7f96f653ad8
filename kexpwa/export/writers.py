"""The three row formats, all fed one row at a time with headers from
:mod:`kexpwa.export.columns`: CSV (UTF-8 with a byte-order mark, so Excel keeps accents; every
field quoted when needed, line breaks kept), JSON Lines (one object per row, UTF-8) and one
sheet of an XLSX workbook in xlsxwriter's constant-memory mode (each row is flushed to a
temporary file as the next begins)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import IO, Any

from xlsxwriter.worksheet import Worksheet

from kexpwa.export.columns import Column

BOM = "\ufeff"
# Excel refuses longer cells; such a value is cut there and a marker says so (CSV and JSON Lines
# keep it whole).
XLSX_CELL_MAX = 32767
XLSX_CUT = " [cut: see the CSV]"


class CsvRows:
    """CSV text of rows, drained as bytes after each batch."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self._names = [c.name for c in columns]
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._buffer.write(BOM)
        self._writer.writerow(self._names)

    def add(self, row: dict[str, Any]) -> None:
        self._writer.writerow([_csv_value(row.get(name)) for name in self._names])

    def drain(self) -> bytes:
        out = self._buffer.getvalue().encode()
        self._buffer.seek(0)
        self._buffer.truncate()
        return out


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class JsonRows:
    """JSON Lines of rows, written to a (spooled) file."""

    def __init__(self, columns: tuple[Column, ...], out: IO[bytes]) -> None:
        self._names = [c.name for c in columns]
        self._out = out

    def add(self, row: dict[str, Any]) -> None:
        line = json.dumps({n: row.get(n) for n in self._names}, ensure_ascii=False)
        self._out.write(line.encode() + b"\n")


class SheetRows:
    """One worksheet. Values are written by type, never guessed: a text starting with ``=``
    stays text, never a formula."""

    def __init__(self, columns: tuple[Column, ...], sheet: Worksheet) -> None:
        self._names = [c.name for c in columns]
        self._sheet = sheet
        self._row = 0
        for col, name in enumerate(self._names):
            sheet.write_string(0, col, name)

    def add(self, row: dict[str, Any]) -> None:
        self._row += 1
        put: Callable[..., Any]
        for col, name in enumerate(self._names):
            value = row.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                self._sheet.write_boolean(self._row, col, value)
            elif isinstance(value, int):
                self._sheet.write_number(self._row, col, value)
            else:
                text = str(value)
                if len(text) > XLSX_CELL_MAX:
                    text = text[: XLSX_CELL_MAX - len(XLSX_CUT)] + XLSX_CUT
                put = self._sheet.write_string
                put(self._row, col, text)
