"""How the one line of an error shows what the user gave: a value cut to a length a line can hold, any
character that would break the line or the terminal escaped, a location without placeholder fields.
The lowest layer: imports nothing of the project."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator

LIMIT = 40
"""Characters of a value a message shows; a longer one is cut and marked (:func:`shown`)."""

_PLACEHOLDERS = re.compile(r"(: -)+(?=: )")  # location fields left empty as "-": "file: -: -: problem"


def shown(value: Any, limit: int = LIMIT) -> str:
    """``value`` as a message shows it: an integer of more than 24 digits as its first digits and its length
    (``999999...(400 digits)``), other text longer than ``limit`` as its first characters and ``...``; any
    character that is not printable escaped (:func:`printable`)."""
    text = str(value)
    digits = text.lstrip("+-")
    if digits.isdigit() and len(text) > 24:
        return f"{text[:6]}...({len(digits)} digits)"
    if len(text) > limit:
        text = text[:limit] + "..."
    return printable(text)


def printable(text: str) -> str:
    """``text`` with every character that is not printable (line and paragraph separators, control
    characters, a lone surrogate) written as its Python escape, so that it stays one line on a terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def error_line(message: Any) -> str:
    """The one line an error shows: ``message`` (an exception's text) printable, its first line only, and
    a location without the ``-`` of a field it does not have (``file: -: -: problem`` is ``file: problem``)."""
    text = str(message)
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return printable(_PLACEHOLDERS.sub("", first))


def about(key: str, value: Any, message: str) -> str:
    """``key=value: message`` for an input read from the file or folder the user named with ``key``;
    ``message`` starting with that same path does not repeat it."""
    text = str(value)
    rest = message[len(text) + 2 :] if text and message.startswith(f"{text}: ") else message
    return f"{key}={shown(text, 80)}: {rest}"


@contextmanager
def reading(key: str, value: Any, errors: tuple[type[BaseException], ...], error: type[Exception]) -> Iterator[None]:
    """While reading the file or folder the user named with ``key=value``, one of ``errors`` becomes
    ``error`` with the line :func:`about` gives: the message names the setting, not only the path. An
    empty ``value`` (the repository's own file) leaves the error as it is."""
    try:
        yield
    except errors as e:
        if not value:
            raise
        raise error(about(key, value, error_line(e))) from None
