"""An answer body kept in a temporary file: memory holds at most `IN_MEMORY` bytes of it."""

from __future__ import annotations

import tempfile
from types import TracebackType
from typing import IO

IN_MEMORY = 8 * 1024 * 1024
_BLANK = b" \t\r\n"


class SpooledBody:
    """A body written piece by piece, then read back from its start. Close it when done."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.size += len(chunk)

    def finish(self) -> None:
        """Writing is over: rewind for the reader."""
        self.file.seek(0)

    def starts_array(self) -> bool:
        """True when the first character that is not white space is `[`."""
        head = self.file.read(4096).lstrip(_BLANK)
        self.file.seek(0)
        return head[:1] == b"["

    def read_all(self) -> bytes:
        return self.file.read()

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> SpooledBody:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
