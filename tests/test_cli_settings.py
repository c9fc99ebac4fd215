"""tui/settings.py: the command line read once into typed settings, each default stated once."""

from __future__ import annotations

import argparse
from typing import get_args

import pytest

from core.domain.items import NLU_FALLBACK_INTENT as FALLBACK_INTENT
from core.sdk.constants import DEFAULT_SERVER_PORT
from core.tracker_store.listing import Order
from core.visualization.graph import DEFAULT_MAX_HISTORY
from tui import settings
from tui.cli import build_parser
from tui.settings import (
    ConversationsSettings,
    ConvertSettings,
    InteractiveSettings,
    RunActionsSettings,
    SessionsSettings,
    ShellSettings,
    TestSettings,
    TrainSettings,
    ValidateSettings,
    VisualizeSettings,
    settings_for,
)

COMMANDS = [
    (["train"], TrainSettings()),
    (["train", "nlu"], TrainSettings(subcommand="nlu")),
    (["train", "core"], TrainSettings(subcommand="core")),
    (["test"], TestSettings()),
    (["test", "nlu"], TestSettings(subcommand="nlu")),
    (["interactive"], InteractiveSettings()),
    (["sessions"], SessionsSettings()),
    (["sessions", "export"], SessionsSettings(subcommand="export")),
    (["conversations"], ConversationsSettings()),
    (["shell"], ShellSettings()),
    (["run", "actions"], RunActionsSettings()),
    (["data", "validate"], ValidateSettings()),
    (["data", "convert", "core"], ConvertSettings(kind="core")),
    (["visualize"], VisualizeSettings()),
]


@pytest.mark.parametrize("argv, expected", COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_without_flags_each_command_gets_its_settings_defaults(argv, expected):
    assert settings_for(build_parser().parse_args(argv)) == expected


@pytest.mark.parametrize("argv, _", COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_help_names_the_defaults_the_settings_hold(argv, _, capsys):
    """Every flag whose help shows a default shows the one the command uses."""
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args([*argv, "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    options = settings_for(parser.parse_args(argv))
    for name in ("config", "domain", "model", "endpoints", "out", "port", "journals", "stories", "folds", "page"):
        value = getattr(options, name, None)
        if value not in (None, False) and f"--{name}" in shown:
            assert f"(default: {value})" in shown, name


def test_flags_reach_the_settings():
    parser = build_parser()
    train = settings_for(parser.parse_args(["train", "-c", "x.yml", "--force", "nlu", "-u", "a", "b"]))
    assert train == TrainSettings(config="x.yml", force=True, subcommand="nlu", data=("a", "b"))
    interactive = settings_for(parser.parse_args(["interactive", "--resume", "-p", "6006", "--trackers", "t.json"]))
    assert isinstance(interactive, InteractiveSettings)
    assert interactive.resume == "" and interactive.port == 6006 and interactive.trackers == ("t.json",)
    actions = settings_for(parser.parse_args(["run", "actions", "--cors", "--host", "0.0.0.0", "--auto-reload"]))
    assert actions == RunActionsSettings(host="0.0.0.0", auto_reload=True)  # a bare --cors allows no origin
    test = settings_for(parser.parse_args(["--quiet", "test", "core", "-s", "stories.yml"]))
    assert test == TestSettings(subcommand="core", stories="stories.yml", quiet=True)
    sessions = settings_for(parser.parse_args(["sessions", "--journals", "j", "export", "abc", "--nlu", "n.yml"]))
    assert sessions == SessionsSettings(subcommand="export", journals="j", id="abc", nlu="n.yml")


def test_an_option_a_namespace_lacks_or_leaves_none_keeps_its_default():
    options = ShellSettings.from_args(argparse.Namespace(model="m.tar.gz", endpoints=None, verbose=True))
    assert options == ShellSettings(model="m.tar.gz")


def test_defaults_agree_with_the_engines_own():
    assert RunActionsSettings.port == DEFAULT_SERVER_PORT
    assert settings.FALLBACK_INTENT == FALLBACK_INTENT
    assert get_args(settings.Order) == get_args(Order)
    assert VisualizeSettings.max_history == DEFAULT_MAX_HISTORY
