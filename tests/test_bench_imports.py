"""Every benchmark `make bench` runs must import: a module that moved (TrainingObserver,
load_nlu) broke `python -m bench.online` without any test noticing."""

from __future__ import annotations

import importlib

import pytest

from bench.__main__ import BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_imports_and_has_a_main(name):
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.main)
