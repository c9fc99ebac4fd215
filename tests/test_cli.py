"""tui.cli: Rasa's command names and flags, lazy dispatch, and clean errors."""

import argparse
import logging
import os
import subprocess
import sys
import types

import pytest

from core.errors import DataError, Location
from tests.conftest import ROOT
from tui import cli
from tui.cli import build_parser, main
from tui.settings import VisualizeSettings


@pytest.fixture(autouse=True)
def _keep_root_log_level():
    """main() sets the root logger's level; other tests must not inherit it."""
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)


# Every command path, with the Rasa flag names its --help must show.
HELP_CASES = {
    (): [
        "train",
        "test",
        "interactive",
        "shell",
        "run",
        "data",
        "visualize",
        "--version",
        "--verbose",
        "--debug",
        "--quiet",
    ],
    ("train",): ["--config", "-c", "--domain", "-d", "--data", "--out", "--fixed-model-name", "--force", "nlu", "core"],
    ("train", "nlu"): ["--config", "--domain", "--nlu", "-u", "--out", "--fixed-model-name"],
    ("train", "core"): ["--config", "--domain", "--stories", "-s", "--out", "--force"],
    ("test",): [
        "--model",
        "-m",
        "--stories",
        "-s",
        "--nlu",
        "-u",
        "--cross-validation",
        "--folds",
        "-f",
        "--out",
        "nlu",
        "core",
    ],
    ("test", "nlu"): ["--model", "--nlu", "--cross-validation", "--folds", "--out", "--config"],
    ("test", "core"): ["--model", "--stories", "--out"],
    ("interactive",): [
        "--model",
        "--endpoints",
        "--data",
        "--domain",
        "--config",
        "--actions",
        "--conversation-id",
        "--skip-visualization",
        "--port",
        "-p",
        "--e2e",
        "--resume",
        "--journals",
    ],
    ("sessions",): ["export", "discard", "--journals"],
    ("sessions", "export"): ["--journals", "--data", "--domain", "--stories", "--nlu"],
    ("sessions", "discard"): ["--journals"],
    ("conversations",): ["--endpoints", "--store", "--trackers", "--sort", "--sender", "--mark", "--page"],
    ("shell",): ["--model", "--endpoints", "--conversation-id"],
    ("run",): ["actions"],
    ("run", "actions"): ["--actions", "--port", "-p", "--interface", "-i", "--cors", "--auto-reload"],
    ("data",): ["validate", "convert"],
    ("data", "validate"): ["--data", "--domain", "--config", "--max-history", "--fail-on-warnings"],
    ("data", "convert"): ["nlu", "core", "domain"],
    ("data", "convert", "nlu"): ["--data", "--format", "-f", "md,yaml,json", "--out", "--language", "-l"],
    ("data", "convert", "core"): ["--data", "--format", "--out"],
    ("data", "convert", "domain"): ["--data", "--format", "--out"],
    ("visualize",): ["--stories", "-s", "--domain", "--out", "--max-history"],
}


@pytest.mark.parametrize("path", list(HELP_CASES), ids=lambda p: " ".join(p) or "botcoach")
def test_help_of_every_command_exits_0_and_shows_rasa_flags(path, capsys):
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: botcoach {' '.join(path)}".rstrip())
    for flag in HELP_CASES[path]:
        assert flag in out, f"{flag} missing from 'botcoach {' '.join(path)} --help'"


def _parsers(parser: argparse.ArgumentParser, path=()):
    """Every (path, parser, one-line help) below `parser`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, helps.get(name)
                yield from _parsers(sub, (*path, name))


def test_every_command_has_a_help_line_and_a_description():
    found = list(_parsers(build_parser()))
    assert {path for path, _, _ in found} == set(HELP_CASES) - {()}
    for path, parser, help_line in found:
        assert help_line and help_line.endswith("."), path
        assert parser.description and len(parser.description) > len(help_line), path


def test_defaults_and_flag_placement():
    parse = build_parser().parse_args
    args = parse(["train"])
    assert (args.config, args.domain, args.data, args.out, args.subcommand) == (
        "config.yml",
        "domain.yml",
        ["data"],
        "models",
        None,
    )
    assert parse(["train", "-c", "x.yml", "nlu"]).config == "x.yml"  # not reset by the sub-command
    args = parse(["train", "nlu", "-c", "y.yml", "-u", "a.yml", "b.yml", "-v"])
    assert (args.config, args.data, args.subcommand, args.verbose) == ("y.yml", ["a.yml", "b.yml"], "nlu", True)
    assert parse(["train", "core", "-s", "stories.md"]).data == ["stories.md"]
    args = parse(["test", "nlu", "--cross-validation", "-f", "3"])
    assert (args.cross_validation, args.folds, args.nlu, args.stories, args.out) == (
        True,
        3,
        "data",
        "tests",
        "results",
    )
    args = parse(["run", "actions", "-i", "0.0.0.0", "--cors", "*", "--auto-reload"])
    assert (args.actions, args.port, args.host, args.cors, args.auto_reload) == (
        "actions",
        5055,
        "0.0.0.0",
        ["*"],
        True,
    )
    assert parse(["run", "actions"]).host == "127.0.0.1" and parse(["run", "actions"]).cors is None
    args = parse(["data", "convert", "nlu", "--data", "nlu.md", "-f", "yaml", "--out", "nlu.yml", "-l", "de"])
    assert (args.subcommand, args.kind, args.data, args.format, args.out, args.language) == (
        "convert",
        "nlu",
        "nlu.md",
        "yaml",
        "nlu.yml",
        "de",
    )
    args = parse(["interactive", "--actions", "actions", "--e2e"])
    assert (args.model, args.port, args.endpoints, args.e2e, args.actions) == (
        "models",
        5005,
        "endpoints.yml",
        True,
        "actions",
    )
    args = parse(["data", "validate", "--max-history", "4", "--fail-on-warnings"])
    assert (args.max_history, args.fail_on_warnings, args.data) == (4, True, ["data"])
    args = parse(["visualize"])
    assert (args.stories, args.out, args.max_history) == ("data", "graph.html", 2)


@pytest.mark.parametrize(
    "argv",
    [
        ["fly"],
        [],
        ["run"],
        ["data"],
        ["data", "convert"],
        ["data", "convert", "xml"],
        ["train", "--epochs", "3"],
        ["-v", "--quiet", "shell"],
        ["data", "convert", "nlu", "-f", "csv"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "usage: botcoach" in capsys.readouterr().err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "botcoach 0.1.0"


def _fake_command(monkeypatch, name: str, run):
    module = types.ModuleType(f"tui.commands.{name}")
    module.run = run
    monkeypatch.setitem(sys.modules, f"tui.commands.{name}", module)


def test_dispatch_passes_the_arguments_and_returns_the_exit_code(monkeypatch):
    seen = {}

    def run(options):
        seen.update(options=options, level=logging.getLogger().level)
        return 3

    _fake_command(monkeypatch, "visualize", run)
    assert main(["visualize", "--out", "g.html", "--debug"]) == 3
    assert seen["options"] == VisualizeSettings(out="g.html") and seen["level"] == logging.DEBUG
    _fake_command(monkeypatch, "shell", lambda args: None)
    assert main(["shell", "--quiet"]) == 0
    assert logging.getLogger().level == logging.ERROR


def test_botcoach_error_becomes_a_clean_message(monkeypatch, capsys):
    def run(args):
        raise DataError("unknown intent 'greet'", Location("data/stories.yml", 12), "add it to domain.yml")

    _fake_command(monkeypatch, "train", run)
    assert main(["train", "nlu"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "data/stories.yml:12: unknown intent 'greet'\n  fix: add it to domain.yml\n"
    assert captured.out == ""


def test_missing_dependency_inside_a_command_is_not_hidden(monkeypatch, capsys):
    def failing_import(name):
        raise ModuleNotFoundError("No module named 'spacy'", name="spacy")

    monkeypatch.setattr(cli.importlib, "import_module", failing_import)
    assert main(["shell"]) == 1
    err = capsys.readouterr().err
    assert "internal error: ModuleNotFoundError" in err


def test_internal_error_shows_traceback_only_with_debug(monkeypatch, capsys):
    def run(args):
        raise ValueError("boom")

    _fake_command(monkeypatch, "interactive", run)
    assert main(["interactive"]) == 1
    err = capsys.readouterr().err
    assert "botcoach: internal error: ValueError: boom" in err and "--debug" in err
    assert "Traceback" not in err
    assert main(["--debug", "interactive"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and 'raise ValueError("boom")' in err


def test_keyboard_interrupt_is_quiet(monkeypatch, capsys):
    def run(args):
        raise KeyboardInterrupt

    _fake_command(monkeypatch, "run", run)
    assert main(["run", "actions"]) == 130
    assert capsys.readouterr() == ("", "")


def _python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=60
    )


def test_help_never_imports_torch_or_textual():
    paths = [list(p) for p in HELP_CASES]
    result = _python(
        "import sys\nfrom tui.cli import main\n"
        f"codes = [main(p + ['--help']) for p in {paths!r}]\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'textual', 'numpy', 'rich')]\n"
        "print('RESULT', set(codes), heavy, file=sys.stderr)\n"
    )
    assert "RESULT {0} []" in result.stderr, result.stderr


def test_error_is_red_on_a_terminal():
    result = _python(
        "import sys, types\nfrom core.errors import DataError, Location\n"
        "def run(args): raise DataError('bad [thing](entity)', Location('nlu.yml', 3), 'fix it')\n"
        "module = types.ModuleType('tui.commands.train'); module.run = run\n"
        "sys.modules['tui.commands.train'] = module\n"
        "from tui.cli import main\nsys.exit(main(['train']))\n",
        FORCE_COLOR="1",
        TERM="xterm-256color",
        NO_COLOR="",
    )
    assert result.returncode == 1
    assert "\x1b[31m" in result.stderr and "nlu.yml:3: bad [thing](entity)" in result.stderr


def test_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "data", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "validate" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "nonsense"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "invalid choice" in result.stderr
