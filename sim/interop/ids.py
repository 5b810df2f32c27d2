"""Machine-safe names (``Id``: ``^[A-Za-z_][A-Za-z0-9_\\-]*$``, at most 80 characters) derived from any text.

The importers keep each source name as a ``label`` and derive the ``Id`` here: characters outside the pattern become
``_`` (runs collapsed, ends trimmed), a name that would start with a digit or ``-`` gets a leading ``_``, an empty one
becomes ``x``; names that would collide (``3 day`` and ``3+ day`` both give ``_3_day``) get ``_2``, ``_3``… in order of
appearance, so the mapping is deterministic and one-to-one.
"""

from __future__ import annotations

import re

MAX_ID = 80
_BAD = re.compile(r"[^A-Za-z0-9_\-]+")


def slug(text: str) -> str:
    """One text as a machine-safe name (not yet made unique)."""
    s = _BAD.sub("_", text.strip()).strip("_")
    if not s:
        s = "x"
    if not (s[0].isascii() and (s[0].isalpha() or s[0] == "_")):
        s = "_" + s
    return s[: MAX_ID - 4]


def unique_ids(texts: list[str], taken: set[str] | None = None) -> list[str]:
    """One distinct ``Id`` per text, in order; none in ``taken`` (which is not changed)."""
    used = set(taken or ())
    out = []
    for t in texts:
        base = slug(t)
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        out.append(name)
    return out
