"""Shared fixtures: where the real Rasa data and the sample bots live."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COMPAT = SHARED / "compat" / "rasa"
SAMPLES = ROOT / "sample_data"


@pytest.fixture
def compat_dir() -> Path:
    return COMPAT
