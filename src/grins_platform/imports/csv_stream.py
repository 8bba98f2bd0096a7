"""Reading spreadsheet CSV files as a stream of records.

Handles what spreadsheets actually export: UTF-8 with or without a BOM, UTF-16
("Unicode text"), Windows-1252 from older Excel, comma, semicolon (European
Excel) or tab delimiters, title rows above the header, blank lines, and Excel's
``="00123"`` text cells. The file is read in chunks; only a 64 KiB sample is held
to detect the encoding and delimiter.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Final

from grins_platform.core.errors import ValidationFailed

SAMPLE_BYTES: Final = 64 * 1024
DELIMITERS: Final = (",", ";", "\t")


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be imported (422 on the field ``file``)."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)
        self.message = message

    def __str__(self) -> str:
        """The message itself (the base class shows the error code)."""
        return self.message


class _Replay(io.RawIOBase):
    """A byte stream that gives back the sample already read, then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(target), len(self._head))
            target[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(target))
        target[: len(data)] = data
        return len(data)


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file from its first bytes: BOM, else UTF-8, else cp1252."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # Not final: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(sample_text: str) -> str:
    """The delimiter used most on the first non-blank line (comma when none)."""
    for line in sample_text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in DELIMITERS}
            best = max(DELIMITERS, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def clean_cell(value: str) -> str:
    """Strip a cell, unwrapping Excel's ``="text"`` form and non-breaking spaces."""
    cell = value.replace("\u00a0", " ").strip()
    if cell.startswith('="') and cell.endswith('"') and len(cell) >= 3:  # noqa: PLR2004
        cell = cell[2:-1].strip()
    return cell


@dataclass(slots=True)
class CsvStream:
    """An open CSV file: how it was read, and its records after the header."""

    encoding: str
    delimiter: str
    reader: Iterator[list[str]]
    row_number: int = 0
    """Spreadsheet row number of the last record read (the header is row 1...)."""
    header: list[str] = field(default_factory=list[str])

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(row_number, cells)`` for every record after the header, cleaned."""
        try:
            for cells in self.reader:
                self.row_number += 1
                yield self.row_number, [clean_cell(c) for c in cells]
        except UnicodeDecodeError:
            raise ImportFileError(
                f"the file is not valid {self.encoding} after row {self.row_number}; "
                "save it as 'CSV UTF-8'"
            ) from None
        except csv.Error as exc:
            raise ImportFileError(
                f"row {self.row_number + 1} is not valid CSV: {exc}"
            ) from None


def open_csv(stream: IO[bytes]) -> CsvStream:
    """Start reading a CSV byte stream (a file opened ``"rb"``, an upload).

    The header row is found by the caller (see ``columns.find_header``); this only
    sets up decoding and splitting.
    """
    head = stream.read(SAMPLE_BYTES)
    if not head.strip():
        raise ImportFileError("the file is empty")
    encoding = detect_encoding(head)
    sample_text = head.decode(encoding, errors="replace")
    delimiter = detect_delimiter(sample_text.lstrip("\ufeff"))
    text = io.TextIOWrapper(
        io.BufferedReader(_Replay(head, stream)), encoding=encoding, newline=""
    )
    return CsvStream(encoding, delimiter, csv.reader(text, delimiter=delimiter))
