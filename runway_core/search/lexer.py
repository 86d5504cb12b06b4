"""Tokens of the search language: fields, strings, numbers, operators, parentheses and words.

Positions are 0-based offsets into the filter text; error messages name the same number
("at column 0" is the first character), so a client can point at it without converting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from runway_core.errors import InvalidFilter
from runway_core.validation import LONE_SURROGATE, printable


class Kind(str, Enum):
    FIELD = "field"  # prefix.key[.more], segments possibly quoted
    STRING = "string"
    NUMBER = "number"
    OP = "operator"  # = == != <> < <= > >=
    WORD = "word"  # and, or, not, in, like, ilike, is, null, asc, desc … (parser decides)
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    EOF = "end of input"


@dataclass(frozen=True)
class Segment:
    text: str
    quoted: bool
    position: int


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # the source text of the token
    position: int
    value: str | int | float | None = None  # STRING/NUMBER value, WORD lower-cased
    segments: tuple[Segment, ...] = field(default_factory=tuple)  # FIELD only

    def describe(self) -> str:
        if self.kind is Kind.EOF:
            return "the end of the filter"
        return repr(self.text) if len(self.text) <= 40 else repr(self.text[:37] + "...")


def filter_error(
    message: str, position: int, *, hint: str = "", where: str = "filter"
) -> InvalidFilter:
    """``InvalidFilter`` whose message names the column (0-based, as ``position``), then a hint."""
    field_name = "order_by" if where.startswith("order_by") else "filter"
    text = f"{where}: {message} at column {position}" + (f"; {hint}" if hint else "")
    return InvalidFilter(text, position=position, field=field_name)


INT64_MAX = 2**63 - 1
_OPERATORS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">")
# Unquoted key segments: what check_key allows except '.', which separates, and space.
_SEGMENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/:")


def _is_digit(ch: str) -> bool:
    # str.isdigit() is true for '²' and '٣', which int() then refuses or reads as 3.
    return "0" <= ch <= "9"


def _is_word_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class Lexer:
    def __init__(self, text: str, *, where: str = "filter") -> None:
        self.text = text
        self.where = where
        self.pos = 0

    def error(self, message: str, position: int, hint: str = "") -> InvalidFilter:
        return filter_error(message, position, hint=hint, where=self.where)

    def tokens(self) -> list[Token]:
        nul = self.text.find("\x00")
        if nul >= 0:  # PostgreSQL refuses NUL in text, so refuse it here with a position
            raise self.error("unexpected NUL character", nul)
        surrogate = LONE_SURROGATE.search(self.text)
        if surrogate is not None:  # not UTF-8: no database driver can send it
            raise self.error(
                f"unexpected lone surrogate {printable(surrogate.group())} (not valid UTF-8)",
                surrogate.start(),
            )
        out: list[Token] = []
        while True:
            tok = self._next()
            out.append(tok)
            if tok.kind is Kind.EOF:
                return out

    def _next(self) -> Token:
        text = self.text
        n = len(text)
        while self.pos < n and text[self.pos].isspace():
            self.pos += 1
        start = self.pos
        if start >= n:
            return Token(Kind.EOF, "", n)
        ch = text[start]
        if ch in "(),":
            self.pos += 1
            kind = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA}[ch]
            return Token(kind, ch, start)
        for op in _OPERATORS:
            if text.startswith(op, start):
                self.pos += len(op)
                return Token(Kind.OP, op, start, value=op)
        if ch == "!":
            raise self.error("unexpected '!'", start, hint="did you mean '!='?")
        if ch in "'\"":
            value = self._quoted(ch, "string")
            return Token(Kind.STRING, text[start : self.pos], start, value=value)
        if _is_digit(ch) or (ch in "-+." and self._number_follows(start)):
            return self._number()
        if _is_word_start(ch):
            while self.pos < n and _is_word_char(text[self.pos]):
                self.pos += 1
            if self.pos < n and text[self.pos] == ".":
                return self._field(start)
            word = text[start : self.pos]
            return Token(Kind.WORD, word, start, value=word.lower())
        if ch == "`":
            raise self.error(
                "unexpected '`'", start, hint="a quoted key follows a prefix: metrics.`val/acc`"
            )
        raise self.error(f"unexpected character {ch!r}", start)

    def _number_follows(self, start: int) -> bool:
        rest = self.text[start + 1 : start + 3]
        if self.text[start] == ".":
            return _is_digit(rest[:1])
        return _is_digit(rest[:1]) or (rest[:1] == "." and _is_digit(rest[1:2]))

    def _number(self) -> Token:
        text, start = self.text, self.pos
        n = len(text)
        i = start
        if text[i] in "+-":
            i += 1
        is_float = False
        while i < n and _is_digit(text[i]):
            i += 1
        if i < n and text[i] == ".":
            is_float = True
            i += 1
            while i < n and _is_digit(text[i]):
                i += 1
        if i < n and text[i] in "eE":
            j = i + 1
            if j < n and text[j] in "+-":
                j += 1
            if j < n and _is_digit(text[j]):
                is_float = True
                i = j
                while i < n and _is_digit(text[i]):
                    i += 1
        if i < n and (_is_word_char(text[i]) or text[i] == "."):
            raise self.error(f"malformed number {text[start : i + 1]!r}", start)
        raw = text[start:i]
        self.pos = i
        value: int | float = float(raw) if is_float else int(raw)
        if isinstance(value, int) and abs(value) > INT64_MAX:
            value = float(value)  # databases bind integers as 64-bit; larger ones compare as floats
        if isinstance(value, float) and not math.isfinite(value):
            raise self.error(f"number {raw} is out of range", start)
        return Token(Kind.NUMBER, raw, start, value=value)

    def _quoted(self, quote: str, what: str) -> str:
        """Read a quoted run starting at ``self.pos``; a doubled quote stands for itself."""
        text, start = self.text, self.pos
        i = start + 1
        parts: list[str] = []
        while True:
            end = text.find(quote, i)
            if end < 0:
                raise self.error(f"unterminated {what} (missing closing {quote})", start)
            parts.append(text[i:end])
            if text.startswith(quote * 2, end):
                parts.append(quote)
                i = end + 2
                continue
            self.pos = end + 1
            return "".join(parts)

    def _field(self, start: int) -> Token:
        text = self.text
        n = len(text)
        segments = [Segment(text[start : self.pos], False, start)]
        while self.pos < n and text[self.pos] == ".":
            self.pos += 1
            seg_start = self.pos
            ch = text[seg_start] if seg_start < n else ""
            if ch in ("`", '"') and ch:
                value = self._quoted(ch, "quoted key")
                if not value:
                    raise self.error("empty quoted key", seg_start)
                segments.append(Segment(value, True, seg_start))
                continue
            while self.pos < n and text[self.pos] in _SEGMENT_CHARS:
                self.pos += 1
            if self.pos == seg_start:
                after = ".".join(s.text for s in segments)
                raise self.error(
                    f"expected a key after '{after}.'",
                    seg_start,
                    hint="quote a key with other characters, as in metrics.`val acc`",
                )
            segments.append(Segment(text[seg_start : self.pos], False, seg_start))
        return Token(Kind.FIELD, text[start : self.pos], start, segments=tuple(segments))
