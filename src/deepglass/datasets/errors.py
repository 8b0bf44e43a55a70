"""The one error every dataset reader raises for a file it cannot trust."""

from __future__ import annotations

import os


class DataFileError(ValueError):
    """A dataset file is truncated, corrupt or inconsistent; the message names the file and the problem."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        super().__init__(f"{self.path}: {problem}")
