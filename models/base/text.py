"""Which characters user text may hold: one rule for every command, GraphQL's net and the CLI.

Control characters have no business in a subject, a name, an id or a search: a NUL is refused by
PostgreSQL (a 500 instead of a typed error) and stored by SQLite, then written raw into a header;
a CR/LF or U+2028 in a one-line field splits a header or a UI line. So:

- one-line text (subjects, names, labels, ids, cursors, search text…): no C0/C1 control
  character (Unicode category Cc, CR/LF/TAB included), no line or paragraph separator
  (U+2028/U+2029);
- multi-line text (bodies, task details and outcomes): TAB, LF and CR are kept, every other
  control character is refused. Refused, not stripped, so both databases store exactly what the
  client sent or nothing at all.

Lone surrogates (which JSON can carry as `\\ud800`) are refused in both: they cannot be encoded.
"""

from __future__ import annotations

import re

from models.base.errors import DomainError, ErrorCode

# Cc is exactly U+0000–U+001F and U+007F–U+009F.
_NOT_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def bad_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character `value` may not hold, or None when it is clean."""
    found = (_NOT_IN_TEXT if multiline else _NOT_IN_LINE).search(value)
    return found.group() if found else None


def invalid_character(char: str, field: str | None) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_INPUT,
        f"Control character U+{ord(char):04X} is not allowed here.",
        field,
    )


def check_line(value: str | None, field: str) -> None:
    """Refuse control characters and line separators in one-line text."""
    if value and (char := bad_character(value)) is not None:
        raise invalid_character(char, field)


def check_text(value: str | None, field: str) -> None:
    """Refuse control characters other than TAB, LF and CR in multi-line text."""
    if value and (char := bad_character(value, multiline=True)) is not None:
        raise invalid_character(char, field)
