"""Errors meant for the person at the terminal: printed as one clear message, never a traceback."""

from __future__ import annotations

import difflib


class UsageError(Exception):
    """A mistake in what the user asked for (an unknown name, a missing file, a bad option)."""


def unknown(kind: str, name: str, valid) -> UsageError:
    """'unknown dataset 'mnsit'; did you mean 'mnist'? valid: ...'."""
    valid = sorted(valid)
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return UsageError(f"unknown {kind} {name!r}{hint}\n  valid {kind}s: {', '.join(valid)}")
