"""The benchmarks' peak memory is the measured process's own, not its parent's."""

from __future__ import annotations

import subprocess
import sys

from bench.common import run_measured
from tests.conftest import ROOT


def test_a_child_reports_its_own_peak_not_its_parents():
    held = bytearray(300 * 2**20)  # the parent's peak: 300 MB, every page touched
    held[::4096] = b"\x01" * len(held[::4096])
    script = "from bench.common import own_peak_mb; print(own_peak_mb())"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    del held
    assert float(result.stdout) < 150


def test_a_measured_command_reports_its_own_peak_not_the_benchmarks():
    held = bytearray(300 * 2**20)  # the benchmark's own peak: 300 MB, every page touched
    held[::4096] = b"\x01" * len(held[::4096])
    child = "b = bytearray(100 * 2**20); b[::4096] = b'1' * len(b[::4096]); import time; time.sleep(1)"
    run = run_measured([sys.executable, "-c", child], ROOT)
    del held
    assert run.returncode == 0
    assert 90 < run.peak_mb < 200
