"""Model-derived strings made safe for C, Markdown and terminals.

Model files are untrusted input: a node, tensor or graph name, a doc string or an attribute string can hold
``*/``, newlines, backslashes at line end (line splicing), ``??/`` (a trigraph in C99: a backslash), quotes,
``#include`` lines, terminal escape sequences or megabytes of text.  Every such string passes through one
of these functions on its way out:

* ``c_comment(s)``  text for inside ``/* ... */``: one line, printable ASCII, no ``*/`` / ``/*``, no ``??``;
  capped at ``NAME_LIMIT`` characters (a longer text keeps its start and a hash of the whole);
* ``c_ident(s)``  a C identifier ``[A-Za-z_][A-Za-z0-9_]*``, capped at ``IDENT_LIMIT``; ``Namer().get(s)``
  makes it distinct from every name given before (also in its first 63 characters, C99's guaranteed
  significant length);
* ``c_string(s)``  the body of a C string literal (octal escapes, ``\\?`` against trigraphs);
* ``md_cell(s)``  a Markdown table cell or heading: no pipes, newlines, HTML or backslashes;
* ``html_text(s)``  HTML text or attribute value: ``& < > " '`` as entities, controls as escapes;
* ``term(s)``  one terminal line: control and format characters (escape sequences, bidi overrides) escaped.

Printable ASCII without the sequences above comes out unchanged, so ordinary names give the same files as
before.  ``CText`` marks text that is safe to print into generated C; the code generator's jinja2
environment (``c_template_env``) refuses any other string unless it is a plain token (identifier, number,
file name), so a raw model string cannot reach a C template by mistake.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable, List, Optional, Set

NAME_LIMIT = 160     # characters of a model string kept in a C comment, Markdown text or terminal line
IDENT_LIMIT = 96     # characters of a generated identifier (longer ones end in a hash)
C99_SIGNIFICANT = 63  # initial characters of an internal identifier that C99 guarantees to be significant

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_.\-]*\Z")


class CText(str):
    """Text that is safe to print into generated C as it stands (sanitized, or built by the compiler)."""
    __slots__ = ()


def _digest(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _uescape(ch: str) -> str:
    o = ord(ch)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (
        f"\\x{o:02x}" if o < 0x80 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")


def _cap(pieces: List[str], s: str, limit: Optional[int]) -> str:
    """Join escaped pieces; past ``limit`` characters keep a prefix of whole pieces and a hash of ``s``."""
    out = "".join(pieces)
    if limit is None or len(out) <= limit:
        return out
    tail = f"...#{_digest(s)}"
    keep, n = [], 0
    for p in pieces:
        if n + len(p) > limit - len(tail):
            break
        keep.append(p)
        n += len(p)
    return "".join(keep) + tail


def c_comment(s, limit: Optional[int] = NAME_LIMIT) -> CText:
    """``s`` as text inside a C block comment (one line, printable ASCII, no comment delimiters)."""
    s = str(s)
    pieces = []
    for i, ch in enumerate(s):
        prev = s[i - 1] if i else ""
        if ch == "\\":
            pieces.append("\\\\")
        elif ch == "*" and prev == "/" or ch == "/" and prev == "*":
            pieces.append("\\" + ch)         # breaks "/*" and "*/"
        elif ch == "?" and prev == "?":
            pieces.append("\\?")             # no "??" left: no trigraph
        elif " " <= ch <= "~":
            pieces.append(ch)
        else:
            pieces.append(_uescape(ch))      # newlines, control characters, non-ASCII
    return CText(_cap(pieces, s, limit))


def c_string(s) -> CText:
    """``s`` as the body of a C string literal, in UTF-8, printable ASCII with escapes."""
    out = []
    for b in str(s).encode("utf-8", "surrogatepass"):
        ch = chr(b)
        if ch in "\"\\":
            out.append("\\" + ch)
        elif ch == "?":
            out.append("\\?")                # no trigraphs
        elif 0x20 <= b < 0x7f:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")         # octal: at most 3 digits, cannot swallow what follows
    return CText("".join(out))


def c_ident(s, limit: int = IDENT_LIMIT, prefix: str = "m_") -> CText:
    """A C identifier made from ``s``: other characters become ``_``; a leading digit or underscore gets
    ``prefix``; over ``limit`` characters the end is a hash of ``s``."""
    s = str(s)
    base = re.sub(r"[^0-9A-Za-z_]", "_", s)
    if not base or base[0].isdigit() or base[0] == "_":  # leading "_": reserved at file scope
        base = prefix + base
    if len(base) > limit:
        base = f"{base[:limit - 9]}_{_digest(s)}"
    return CText(base)


class Namer:
    """Distinct C identifiers: ``get(s)`` is ``c_ident(s)``, with ``_2``, ``_3``... when that is taken
    (names that collide after sanitizing, e.g. ``a b`` and ``a_b``).  Names also differ in their first
    63 characters, the significant length C99 guarantees."""

    def __init__(self, reserved: Iterable[str] = ()):
        self.used: Set[str] = set()
        self._heads: Set[str] = set()
        for r in reserved:
            self.reserve(r)

    def reserve(self, name: str) -> None:
        self.used.add(name)
        self._heads.add(name[:C99_SIGNIFICANT])

    def taken(self, name: str) -> bool:
        return name in self.used or name[:C99_SIGNIFICANT] in self._heads

    def get(self, s) -> CText:
        base = c_ident(s)
        name, i = base, 1
        while self.taken(name):
            i += 1
            suffix = f"_{i}"
            name = base + suffix if len(base) + len(suffix) <= C99_SIGNIFICANT else \
                base[:C99_SIGNIFICANT - len(suffix)] + suffix
        self.reserve(name)
        return CText(name)


_MD = {"|": "&#124;", "\\": "&#92;", "<": "&lt;", "&": "&amp;", "`": "&#96;"}  # ">" alone starts no tag
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def _entities(s: str, ent: dict, limit: Optional[int]) -> str:
    """Markdown / HTML text: the characters of ``ent`` as its entities, printable ASCII kept; control, format
    (bidi), separators, surrogates and unassigned as visible escapes; other non-ASCII as entities."""
    pieces = []
    for ch in s:
        if ch in ent:
            pieces.append(ent[ch])
        elif " " <= ch <= "~":
            pieces.append(ch)
        elif unicodedata.category(ch)[0] in "CZ":
            pieces.append(_uescape(ch))
        else:
            pieces.append(f"&#x{ord(ch):x};")
    return _cap(pieces, s, limit)


def md_cell(s, limit: Optional[int] = NAME_LIMIT) -> str:
    """``s`` as Markdown inline text (a table cell, a heading): pipes, backslashes, backticks and HTML as
    entities; newlines, control and format characters as visible escapes; other non-ASCII as entities."""
    return _entities(str(s), _MD, limit)


def term(s, limit: Optional[int] = 4 * NAME_LIMIT) -> str:
    """``s`` as one terminal line: printable characters kept, the rest (escape sequences, newlines,
    bidi overrides) as backslash escapes."""
    s = str(s)
    pieces = [ch if ch.isprintable() else _uescape(ch) for ch in s]
    return _cap(pieces, s, limit)


def term_lines(text: str, limit: Optional[int] = 4 * NAME_LIMIT) -> str:
    """A multi-line terminal text (a table) with every line made safe by ``term``."""
    return "\n".join(term(line, limit) for line in str(text).split("\n"))


def html_text(s, limit: Optional[int] = NAME_LIMIT) -> str:
    """``s`` as HTML text or a quoted attribute value: ``& < > " '`` as entities; control, format (bidi)
    and separator characters as visible escapes; capped at ``limit`` characters like the others."""
    return _entities(str(s), _HTML, limit)


def is_c_identifier(s) -> bool:
    return isinstance(s, str) and bool(_IDENT_RE.match(s))


# ---------------------------------------------------------------- the C templates' jinja2 environment
def _finalize(v):
    """Every ``{{ value }}`` of a C template: numbers, CText, or a plain token (identifier, number, file
    name).  Anything else is a string that was not sanitized: refuse it."""
    if isinstance(v, str) and not isinstance(v, CText) and not _TOKEN_RE.match(v):
        raise ValueError(f"unsanitized text in a C template: {term(v, 80)!r} (wrap it in a "
                         "nncodegen.codegen.sanitize function or CText)")
    return v


def _join(seq: Iterable, d: str = "") -> str:
    items = list(seq)
    out = str(d).join(str(x) for x in items)
    return CText(out) if all(isinstance(x, CText) or _finalize(x) is x for x in items) else out


def c_template_env(loader):
    """A jinja2 environment for C templates: StrictUndefined, the ``_finalize`` guard, and the filters
    ``c_comment``, ``c_string``, ``c_ident``."""
    import jinja2
    env = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=False, lstrip_blocks=False, finalize=_finalize, autoescape=False)
    env.filters.update(c_comment=c_comment, c_string=c_string, c_ident=c_ident, join=_join)
    return env
