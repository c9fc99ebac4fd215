"""The benchmarks' peak memory is the measured process's own, not its parent's."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_a_child_reports_its_own_peak_not_its_parents():
    held = bytearray(300 * 2**20)  # the parent's peak: 300 MB, every page touched
    held[::4096] = b"\x01" * len(held[::4096])
    script = "from bench.common import own_peak_mb; print(own_peak_mb())"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    del held
    assert float(result.stdout) < 150
