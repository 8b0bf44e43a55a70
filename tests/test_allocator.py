"""The allocator tuning: on by default on Linux/glibc, off with DEEPGLASS_MALLOC=system, never an error."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHECK = "import deepglass.allocator as a, deepglass; print(a.tuned)"


def _tuned(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DEEPGLASS_MALLOC"}
    if env_value is not None:
        env["DEEPGLASS_MALLOC"] = env_value
    return subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="the tuning applies to glibc on Linux only")
def test_import_tunes_glibc_malloc_unless_told_not_to():
    assert _tuned(None) == "True"
    assert _tuned("system") == "False"


def test_tuning_is_idempotent_and_safe_to_call_again():
    from deepglass.allocator import tune_allocator, tuned

    assert tune_allocator() == tuned
