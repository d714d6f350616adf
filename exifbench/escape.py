"""Strings from files and users, made safe to show: control characters visible, rich markup inert.

A file name may hold ``[edited]`` (rich markup), ``[/`` (a closing tag rich rejects), an ANSI
escape, a newline that forges an output line, a bidi override or undecodable bytes (lone
surrogates). :func:`visible` spells each invisible or control character as a Python escape;
:func:`shown` also escapes rich markup, for anything printed through rich.
"""

from __future__ import annotations

import unicodedata

from rich.markup import escape

_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def visible(value: object) -> str:
    """``str(value)`` with control, format, separator and surrogate characters spelled ``\\x1b``, ``\\n``, ``\\u202e``."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(_spelled(char) if unicodedata.category(char) in _INVISIBLE else char for char in text)


def shown(value: object) -> str:
    """:func:`visible`, with rich markup escaped: safe inside a string rich parses as markup."""
    return escape(visible(value))


def _spelled(char: str) -> str:
    code = ord(char)
    if char in "\n\r\t":
        return repr(char)[1:-1]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
