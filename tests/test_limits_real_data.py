"""The limits leave every real project and benchmark set in ../shared untouched, and are documented
where a user reads them (`--help`, the README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.limits import SETS, classifier_weights
from core.domain import load_domain
from core.limits import (
    CLASSIFIER_MAX_WEIGHTS,
    EXAMPLE_MAX_CHARS,
    FEATURE_MAX_TOKENS,
    HEADER_TIMEOUT,
    MAX_ACTIONS,
    MAX_INTENTS,
    YAML_MAX_ALIAS_VALUES,
    YAML_MAX_DEPTH,
)
from core.training_data.loader import TrainingData, load_training_data
from core.validation import check_data, limit_findings
from tests.conftest import COMPAT, ROOT, SAMPLES, SHARED
from tui.cli import build_parser

PROJECTS = sorted(p.parent for p in [*COMPAT.glob("*/domain.yml"), *SAMPLES.glob("*/domain.yml")]) + sorted(
    (SHARED / "compat" / "projects").glob("*/")
)


@pytest.mark.parametrize("root", PROJECTS, ids=lambda p: p.name)
def test_real_projects_are_within_every_limit(root: Path) -> None:
    data = load_training_data([root / "data"])
    domain = load_domain(root / "domain.yml")
    assert data.unused == []
    assert limit_findings(data, domain) == []


@pytest.mark.parametrize("name", SETS)
def test_benchmark_sets_are_within_every_limit(name: str) -> None:
    data = SETS[name]()
    assert data.examples
    assert check_data(TrainingData(nlu=data)).findings == []
    assert classifier_weights(data) < CLASSIFIER_MAX_WEIGHTS  # the vocabulary cut never applies to them


NUMBERS = [
    f"{YAML_MAX_DEPTH} deep",
    f"{YAML_MAX_ALIAS_VALUES:,}",
    "16 MiB",
    f"{EXAMPLE_MAX_CHARS:,} characters",
    f"{FEATURE_MAX_TOKENS} tokens",
    f"{MAX_INTENTS:,} intents",
    f"{MAX_ACTIONS:,} actions",
]


@pytest.mark.parametrize("command", [["train"], ["train", "nlu"], ["data", "validate"], ["interactive"]])
def test_limits_are_in_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert all(number in shown for number in NUMBERS), shown


def test_server_limits_are_in_help_and_everything_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "actions", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert f"within {HEADER_TIMEOUT:g} s" in shown and "--allow-host" in shown
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert all(number in readme for number in [*NUMBERS, "--skip-validation", "--allow-host"])
