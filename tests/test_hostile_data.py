"""Huge training data: one huge example, thousands of intents, a huge file, runaway markup. Each is
refused or bounded with a message naming the file and the limit; the CLI runs under memory and CPU
limits (tests/bounded.py) so a regression fails here instead of filling the machine."""

from __future__ import annotations

import random
import string
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError, Location
from core.limits import CLASSIFIER_MAX_WEIGHTS, EXAMPLE_MAX_CHARS, FEATURE_MAX_TOKENS, FILE_MAX_BYTES, MAX_INTENTS
from core.nlu.intent_message import parse_intent_message
from core.training_data import markup as markup_module
from core.training_data.markup import _ENTITY, parse_markup
from tests.bounded import run_botcoach, run_python

CONFIG = "language: en\npipeline: []\npolicies: []\n"


def nlu_project(root: Path, intents: dict[str, list[str]]) -> Path:
    """An NLU-only project (config and data/nlu.yml, no domain) with these examples."""
    (root / "data").mkdir(parents=True)
    (root / "config.yml").write_text(CONFIG)
    blocks = [
        f"- intent: {name}\n  examples: |\n" + "".join(f"    - {text}\n" for text in texts)
        for name, texts in intents.items()
    ]
    (root / "data" / "nlu.yml").write_text('version: "3.1"\nnlu:\n' + "".join(blocks))
    return root


SMALL = {
    "greet": ["hello", "hi there", "good morning", "hey"],
    "goodbye": ["bye", "see you later", "good night", "farewell"],
}


def test_unclosed_markup_repeated_20000_times_is_reported_in_linear_time() -> None:
    code = (
        "from core.errors import DataError\n"
        "from core.training_data.nlu_yaml import read_nlu_yaml\n"
        "text = 'nlu:\\n- intent: ask\\n  examples: |\\n    - ' + '[a](cuisine' * 20000 + '\\n'\n"
        "try:\n"
        "    read_nlu_yaml(text, 'nlu.yml')\n"
        "except DataError as error:\n"
        "    print(error)\n"
    )
    result = run_python(code, cpu_seconds=5)  # the quadratic scan took ~20 s of CPU
    assert result.returncode == 0, result.stderr[-500:]
    assert "nlu.yml:4" in result.stdout and "malformed entity annotation" in result.stdout


def _words(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(n))


@pytest.mark.parametrize("command", [["data", "validate"], ["train"], ["train", "--skip-validation"]])
def test_a_five_megabyte_example_is_refused_in_bounded_memory(tmp_path: Path, command: list[str]) -> None:
    huge = _words(750_000)
    assert len(huge) > 5_000_000
    root = nlu_project(tmp_path / "bot", {**SMALL, "ramble": [huge, "blah blah"]})
    if command[0] == "data":
        (root / "domain.yml").write_text("intents:\n- greet\n- goodbye\n- ramble\n")
    result = run_botcoach(command, root)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "nlu.yml:" in result.stderr and f"{EXAMPLE_MAX_CHARS:,}" in result.stderr
    assert "internal error" not in result.stderr
    assert not (root / "models").exists()


def test_a_long_example_trains_on_its_first_tokens_with_a_warning_naming_it(tmp_path: Path) -> None:
    long = _words(FEATURE_MAX_TOKENS + 100)
    root = nlu_project(tmp_path / "bot", {**SMALL, "ramble": [long, "blah blah", "and so on"]})
    result = run_botcoach(["train"], root)
    assert result.returncode == 0, result.stderr[-2000:]
    line = (root / "data" / "nlu.yml").read_text().splitlines().index(f"    - {long}") + 1
    assert f"more than {FEATURE_MAX_TOKENS} tokens" in result.stderr and f"nlu.yml:{line}" in result.stderr
    assert "Model saved" in result.stdout


@pytest.mark.parametrize("command", [["data", "validate"], ["train"], ["train", "--skip-validation"]])
def test_ten_thousand_intents_are_refused_in_bounded_memory(tmp_path: Path, command: list[str]) -> None:
    intents = {f"intent_{n}": [_words(4, n), _words(5, n + 1)] for n in range(10_000)}
    root = nlu_project(tmp_path / "bot", intents)
    if command[0] == "data":
        (root / "domain.yml").write_text("intents:\n" + "".join(f"- {name}\n" for name in intents))
    result = run_botcoach(command, root)
    assert result.returncode == 1, result.stderr[-2000:]
    assert f"10,000 intents, more than {MAX_INTENTS:,}" in result.stderr
    assert not (root / "models").exists()


@pytest.mark.parametrize("command", [["data", "validate"], ["train"]])
def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path, command: list[str]) -> None:
    root = nlu_project(tmp_path / "bot", SMALL)
    examples = "".join(f"    - {_words(8, n)}\n" for n in range(2000))
    block = "- intent: chatter\n  examples: |\n" + examples
    with (root / "data" / "big.yml").open("w") as out:
        out.write("nlu:\n")
        while out.tell() <= FILE_MAX_BYTES:
            out.write(block)
    (root / "domain.yml").write_text("intents:\n- greet\n- goodbye\n- chatter\n")
    result = run_botcoach(command, root, cpu_seconds=20)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "big.yml" in result.stderr and "larger than 16 MiB" in result.stderr


def test_the_intent_classifier_stays_below_its_weight_bound_with_a_huge_vocabulary() -> None:
    """900 intents x one example of 40 random words: the linear classifier's table would hold
    ~10^9 weights (4 GB, 16 GB with its optimiser state); its vocabulary is cut to the most
    frequent features so the table stays below CLASSIFIER_MAX_WEIGHTS. Its (slow) fitting is left
    out here; `python -m bench.limits` trains such data end to end and prints the memory."""
    code = (
        "import random, string\n"
        "from core.nlu.interpreter import Interpreter\n"
        "from core.nlu.model import NLUModelConfig\n"
        "from core.training_data.nlu_model import Example, NLUData\n"
        "def words(n, seed):\n"
        "    rng = random.Random(seed)\n"
        "    return ' '.join(''.join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(n))\n"
        "Interpreter._fit_classifier = lambda self, *args, **kwargs: []\n"
        "data = NLUData([Example(words(40, n), f'intent_{n}') for n in range(900)])\n"
        "interpreter = Interpreter.train(data, NLUModelConfig())\n"
        "print(interpreter.classifier.weight.weight.numel(), len(interpreter.sentence))\n"
    )
    result = run_python(code, cpu_seconds=60)
    assert result.returncode == 0, result.stderr[-1000:]
    weights, features = map(int, result.stdout.split())
    assert weights <= CLASSIFIER_MAX_WEIGHTS and features == CLASSIFIER_MAX_WEIGHTS // 900


def _outcome(markup: str) -> object:
    try:
        return parse_markup(markup, Location("nlu.yml", 3, 7))
    except DataError as error:
        return str(error)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet='[](){}ab:" ', max_size=40))
def test_the_linear_markup_scan_finds_what_the_quadratic_one_found(markup: str) -> None:
    """Same entities, same plain text, same first error as the scan it replaced (finditer)."""
    found = _outcome(markup)
    with patch.object(markup_module, "_annotations", lambda text, location: _ENTITY.finditer(text)):
        assert found == _outcome(markup)


def test_a_typed_intent_with_absurd_json_gets_no_entities_instead_of_a_crash() -> None:
    deep = "/greet{" + '"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge = '/greet{"a": ' + "9" * 10_000 + "}"
    for text in (deep, huge):
        parse = parse_intent_message(text, ["greet"])
        assert parse is not None and parse["intent"]["name"] == "greet" and parse["entities"] == []
