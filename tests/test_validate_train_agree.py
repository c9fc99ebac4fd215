"""`data validate` and `train` agree: what training would skip or refuse is a validation error,
`train` refuses what validation calls an error, and `--skip-validation` trains anyway, saying why."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from core.errors import DataError
from tests.conftest import COMPAT
from tui.cli import main as cli_main
from tui.commands.interactive import find_or_train_model
from tui.settings import InteractiveSettings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "bot"
    shutil.copytree(COMPAT / "initial-project-3x", root, ignore=shutil.ignore_patterns("models", "tests"))
    return root


def _cli(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    cwd = os.getcwd()
    os.chdir(project)
    try:
        code = cli_main(list(args))
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _empty_nlu(root: Path) -> None:
    (root / "data" / "nlu.yml").write_text("")


def _nlu_list(root: Path) -> None:
    (root / "data" / "nlu.yml").write_text("- nlu: hi\n")


def _upper_case_key(root: Path) -> None:
    path = root / "data" / "nlu.yml"
    path.write_text(path.read_text().replace("\nnlu:", "\nNLU:"))


def _empty_domain(root: Path) -> None:
    (root / "domain.yml").write_text('version: "3.1"\n')


def _undeclared_intent(root: Path) -> None:
    path = root / "data" / "stories.yml"
    path.write_text(
        path.read_text() + "\n- story: asks the time\n  steps:\n  - intent: ask_time\n  - action: utter_greet\n"
    )


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "empty nlu.yml": (_empty_nlu, "nlu.yml holds no training data: the file is empty"),
    "- nlu: hi": (_nlu_list, "nlu.yml is a YAML list, not a mapping"),
    "NLU: key": (_upper_case_key, "the keys are lower case (`nlu:`)"),
    "empty domain": (_empty_domain, "the domain is empty"),
    "undeclared intent": (
        _undeclared_intent,
        "the intent 'ask_time' used in story 'asks the time' is not in the domain",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_validate_and_train_agree(project: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    break_it, message = CASES[case]
    code, output = _cli(project, capsys, "data", "validate")
    assert code == 0 and output.startswith("0 error(s)")  # the unchanged project is sound
    break_it(project)
    code, output = _cli(project, capsys, "data", "validate")
    assert code == 1 and message in output
    code, output = _cli(project, capsys, "train")
    assert code == 1 and message in output and "--skip-validation" in output
    assert not (project / "models").exists()
    code, output = _cli(project, capsys, "train", "--skip-validation")
    assert code == 0 and "training despite" in output and "Model saved" in output


def test_the_app_refuses_to_train_what_validation_rejects(project: Path) -> None:
    _empty_domain(project)
    args = InteractiveSettings(
        model=str(project / "models"),
        config=str(project / "config.yml"),
        domain=str(project / "domain.yml"),
        data=(str(project / "data"),),
    )
    with pytest.raises(DataError, match="the domain is empty"):
        find_or_train_model(args)
    assert not (project / "models").exists()


def test_an_unreadable_data_folder_is_an_error_for_both(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = project / "data" / "more"
    hidden.mkdir()
    (hidden / "nlu_more.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - howdy\n")
    if os.geteuid() == 0:  # root reads through permissions: make the folder unlistable instead
        real = os.scandir

        def scandir(path=".", *args):
            if Path(path).resolve() == hidden.resolve():
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args)

        monkeypatch.setattr(os, "scandir", scandir)
    else:
        hidden.chmod(0)
    try:
        for command in (["data", "validate"], ["train"]):
            code, output = _cli(project, capsys, *command)
            assert code == 1 and "cannot read the data folder" in output and "more" in output
    finally:
        hidden.chmod(0o755)
