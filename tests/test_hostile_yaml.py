"""Hostile YAML anywhere botcoach reads it: alias bombs, deep nesting and `!!python` tags are refused
with the file, the line and the limit; the CLI runs under memory and CPU limits so a regression
fails instead of eating the machine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.config import read_config
from core.errors import DataError
from core.limits import YAML_MAX_ALIAS_VALUES, YAML_MAX_DEPTH
from core.yamlio import load_yaml, to_plain
from tests.bounded import run_botcoach
from tests.conftest import COMPAT


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """~600 bytes that expand to width**levels values (9**9: 387 million)."""
    first = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    rest = [f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]" for level in range(1, levels)]
    return "\n".join(first + rest) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "bot"
    shutil.copytree(COMPAT / "initial-project-3x", root, ignore=shutil.ignore_patterns("models", "tests"))
    return root


def test_alias_bomb_is_refused_when_parsed() -> None:
    bomb = alias_bomb()
    assert len(bomb) < 700
    with pytest.raises(DataError) as error:
        load_yaml(bomb, "config.yml")
    message = str(error.value)
    assert f"{YAML_MAX_ALIAS_VALUES:,}" in message and "alias" in message
    assert error.value.location.file == "config.yml" and error.value.location.line is not None


def test_modest_aliases_still_load() -> None:
    text = "base: &base {text: hello, buttons: [a, b]}\nresponses:\n  utter_a: [*base]\n  utter_b: [*base]\n"
    data = to_plain(load_yaml(text))
    assert data["responses"]["utter_a"] == data["responses"]["utter_b"] == [{"text": "hello", "buttons": ["a", "b"]}]


def test_deep_nesting_is_refused_with_its_limit() -> None:
    deep = "x: " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(DataError, match=f"more than {YAML_MAX_DEPTH} levels"):
        load_yaml(deep, "domain.yml")
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    with pytest.raises(DataError, match="levels deep"):  # depth reached through aliases
        load_yaml(chain)
    fine = "x: " + "[" * (YAML_MAX_DEPTH - 2) + "]" * (YAML_MAX_DEPTH - 2) + "\n"
    assert load_yaml(fine) is not None


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(DataError, match="inside of"):
        load_yaml("a: &a [1, *a]\n")


@pytest.mark.parametrize(
    "value, shown",
    [
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!!python/object/apply:os.system [echo hi]", "!!python/object/apply:os.system"),
        ("!custom 3", "!custom"),
    ],
)
def test_tags_are_refused_with_their_location(value: str, shown: str) -> None:
    with pytest.raises(DataError) as error:
        read_config(f"language: en\nx: {value}\n", "config.yml")
    assert shown in error.value.message and "not allowed" in error.value.message
    assert (error.value.location.file, error.value.location.line) == ("config.yml", 2)


@pytest.mark.parametrize("where", ["config.yml", "domain.yml", "data/nlu.yml"])
@pytest.mark.parametrize("command", [["data", "validate"], ["train"]])
def test_alias_bomb_in_any_project_file_is_refused_in_bounded_memory(
    project: Path, where: str, command: list[str]
) -> None:
    path = project / where
    path.write_text(path.read_text() + "\n" + alias_bomb())
    result = run_botcoach(command, project, cpu_seconds=30)
    assert result.returncode == 1, result.stderr[-2000:]
    assert where in result.stderr and f"{YAML_MAX_ALIAS_VALUES:,}" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["data", "validate"], ["train"]])
def test_python_tag_in_config_is_a_located_error(project: Path, command: list[str]) -> None:
    config = project / "config.yml"
    lines = config.read_text().splitlines()
    config.write_text("\n".join([*lines, "x: !!python/name:os.system"]) + "\n")
    result = run_botcoach(command, project)
    assert result.returncode == 1
    assert f"config.yml:{len(lines) + 1}:" in result.stderr and "!!python/name:os.system" in result.stderr
    assert "internal error" not in result.stderr and "TaggedScalar" not in result.stderr
    assert not (project / "models").exists() or not list((project / "models").iterdir())
