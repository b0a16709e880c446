"""A gzipped CloudTrail log file, `{"Records": [{...}, ...]}`, read one record at a time in bounded memory.

A busy trail's file can hold hundreds of megabytes of JSON, more than a small function should hold at once:
the file is decompressed 64 KiB at a time (zlib with an output cap, so a small file that inflates hugely is
no threat either), decoded as UTF-8 incrementally, and each record is decoded by the standard library's C
decoder (`json.JSONDecoder.raw_decode`) from a window that holds the current record and one piece after it.
Memory is bounded by the largest record (CloudTrail caps an event at 256 KB; past MAX_RECORD_CHARS the file
is refused), not by the file. The standard library does all of it: no third-party wheel to match Lambda's
architectures (a streaming parser such as ijson needs its C backend to be fast, and that backend is one
more binary to build for each of them).

A file that is not gzip, not UTF-8 or not that JSON shape raises TrailFileUnreadableError naming the file and
the position (the character offset in the decompressed text, and the record); records already yielded stay
yielded, so a caller may keep what it read.
"""

import codecs
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from disposer.errors import TrailFileUnreadableError

# Decompressed bytes per step, and the largest record accepted (characters).
PIECE_BYTES = 1 << 16
MAX_RECORD_CHARS = 8 << 20
# A decoding error this far before the window's end is in the text itself, not in a record cut by the window
# (the longest token a window can cut short without "Unterminated string" is a `\uXXXX` escape or a literal).
_CUT_SLACK = 16
_GZIP = 16 + zlib.MAX_WBITS
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def inflate(chunks: Iterable[bytes], name: str) -> Iterator[bytes]:
    """The decompressed bytes of a gzip stream (one member or several in a row), at most PIECE_BYTES a piece."""
    decompressor = zlib.decompressobj(_GZIP)
    received = 0
    for chunk in chunks:
        received += len(chunk)
        data = chunk
        while data:
            if decompressor.eof:
                if not data.strip(b"\0"):
                    break  # zero padding after the last member, as some writers leave
                decompressor = zlib.decompressobj(_GZIP)
            try:
                piece = decompressor.decompress(data, PIECE_BYTES)
            except zlib.error as error:
                raise TrailFileUnreadableError(f"{name} is not gzip ({error}, near byte {received})") from None
            if piece:
                yield piece
            data = decompressor.unconsumed_tail or (decompressor.unused_data if decompressor.eof else b"")
    if not decompressor.eof:
        raise TrailFileUnreadableError(f"{name} ends before its gzip stream does (after {received} bytes)")


def read_records(chunks: Iterable[bytes], name: str) -> Iterator[Any]:
    """Every element of the file's `Records` array, in order (each as json.loads would give it)."""
    return _Records(inflate(chunks, name), name).records()


class _Records:
    """The decompressed text as a window `buffer[pos:]`, refilled piece by piece as the parse reaches its end."""

    def __init__(self, pieces: Iterator[bytes], name: str) -> None:
        self._pieces = pieces
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.name = name
        self.buffer = ""
        self.pos = 0
        self.offset = 0  # the characters dropped before buffer[0]
        self.done = False
        self.count = 0

    def records(self) -> Iterator[Any]:
        self._expect("{", "the file's opening '{'")
        found = False
        while self._peek() != "}":
            key = self._value()
            if not isinstance(key, str):
                raise self._error("expected a member name")
            self._expect(":", "':'")
            if key == "Records":
                found = True
                yield from self._array()
            else:
                self._value()  # a member other than Records: read past it
            if self._peek() != ",":
                break
            self.pos += 1
        self._expect("}", "',' or the file's closing '}'")
        if self._peek() is not None:
            raise self._error("text after the file's closing '}'")
        if not found:
            raise self._error("no Records array in the file")

    def _array(self) -> Iterator[Any]:
        self._expect("[", "the Records array's '['")
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            yield self._value()
            self.count += 1
            following = self._peek()
            if following not in (",", "]"):
                raise self._error("expected ',' or ']' after a record")
            self.pos += 1
            if following == "]":
                return

    def _more(self) -> bool:
        """Append the next piece of text to the window (dropping what was read); False at the end."""
        if self.done:
            return False
        piece = next(self._pieces, None)
        try:
            text = self._decoder.decode(piece or b"", final=piece is None)
        except UnicodeDecodeError as error:
            raise self._error(f"not UTF-8 ({error.reason})") from None
        self.done = piece is None
        self.offset += self.pos
        self.buffer = self.buffer[self.pos :] + text
        self.pos = 0
        return True

    def _peek(self) -> str | None:
        """The next character that is not whitespace (the window moved to it), or None at the end of the text."""
        while True:
            match = _WHITESPACE.match(self.buffer, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return None

    def _expect(self, char: str, what: str) -> None:
        if self._peek() != char:
            raise self._error(f"expected {what}")
        self.pos += 1

    def _value(self) -> Any:
        """The JSON value at the window's start, reading more text until it is whole."""
        self._peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as error:
                self._refill(error)
                continue
            except (RecursionError, ValueError) as error:
                # Nesting past the decoder's depth, a number past its digits: no CloudTrail record is either.
                raise TrailFileUnreadableError(
                    f"{self.name}: a record does not decode: {type(error).__name__}"
                ) from None
            # A number (or literal) that ends with the window may go on in the next piece.
            if end == len(self.buffer) and not isinstance(value, dict | list | str) and self._more():
                continue
            self.pos = end
            return value

    def _refill(self, error: json.JSONDecodeError) -> None:
        """After a value failed to decode: read as much text again as is pending (a value cut by the window's
        end decodes once whole), or raise if the text itself is wrong."""
        pending = len(self.buffer) - self.pos
        cut = error.pos + _CUT_SLACK >= len(self.buffer) or error.msg.startswith("Unterminated string")
        if self.done or not cut:
            raise self._error(error.msg, at=self.offset + error.pos)
        if pending > MAX_RECORD_CHARS:
            raise self._error(f"a value longer than {MAX_RECORD_CHARS} characters")
        target = 2 * pending + 1  # doubling: a long record is decoded O(1) times over, not once a piece
        while len(self.buffer) - self.pos < target and self._more():
            pass

    def _error(self, what: str, *, at: int | None = None) -> TrailFileUnreadableError:
        where = self.offset + self.pos if at is None else at
        return TrailFileUnreadableError(
            f"{self.name} is not a CloudTrail log file: {what} at character {where} (after {self.count} records)"
        )
