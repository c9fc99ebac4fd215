"""The command line's shape: Rasa's command names and flags, their help and defaults (from the
typed settings), built into one argparse parser. Only argparse and the standard library (and the
limits, for the help's epilogs) are imported, so `botcoach --help` answers at once."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import get_args

from core import limits
from tui import settings
from tui.settings import (
    ConversationsSettings,
    ConvertSettings,
    InteractiveSettings,
    RunActionsSettings,
    TestSettings,
    TrainSettings,
    VisualizeSettings,
)

PROG = "botcoach"
SUPPRESS = argparse.SUPPRESS
Adder = Callable[[argparse.ArgumentParser, bool], None]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - 70-110 ms: for --version only

    try:
        return version("botcoach")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _flag(parser: argparse.ArgumentParser, top: bool, *names: str, default=None, **kwargs) -> None:
    """Add a flag; below the command level its default is SUPPRESS so a value given earlier
    (`botcoach train -c x.yml nlu`) is not overwritten by the sub-command's default. The help
    names the effective default either way."""
    if isinstance(default, tuple):
        default = list(default) or None  # argparse's own type for nargs; () shows no default
    if default not in (None, False):
        shown = " ".join(default) if isinstance(default, list) else default
        kwargs["help"] = f"{kwargs['help']} (default: {shown})"
    parser.add_argument(*names, default=default if top else SUPPRESS, **kwargs)


def _log_flags(parser: argparse.ArgumentParser, top: bool) -> None:
    group = parser.add_mutually_exclusive_group()
    off = False if top else SUPPRESS
    group.add_argument("-v", "--verbose", action="store_true", default=off, help="print what happens (info level)")
    group.add_argument(
        "--debug", action="store_true", default=off, help="print debug logs, and the traceback of an internal error"
    )
    group.add_argument("--quiet", action="store_true", default=off, help="print errors only")


# -- the flags of each command; `top` is False when added again on a sub-command ------------------
def _config(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "-c", "--config", default=settings.CONFIG, help="model configuration (pipeline and policies)")


def _domain(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "-d", "--domain", default=settings.DOMAIN, help="domain file or directory")


def _data(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(
        p,
        top,
        "--data",
        nargs="+",
        default=settings.DATA,
        metavar="PATH",
        help="training data files or directories (stories, rules, NLU)",
    )


def _model(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(
        p,
        top,
        "-m",
        "--model",
        default=settings.MODELS,
        help="a model archive, or a directory whose newest archive is used",
    )


def _endpoints(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "--endpoints", default=settings.ENDPOINTS, help="endpoints file (action server URL)")


def _conversation_id(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "--conversation-id", help="id of the conversation (a new one when not given)")


def _store_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "--store", metavar="SQLITE_FILE", help="a Rasa SQL tracker store on SQLite (else endpoints.yml's)")
    _flag(p, top, "--trackers", nargs="+", metavar="JSON", help="tracker JSON files (GET /conversations/<id>/tracker)")


def _conversations_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "--endpoints", default=settings.ENDPOINTS, help="endpoints file whose tracker_store: is read")
    _store_flags(p, top)
    _flag(
        p, top, "--sort", choices=get_args(settings.Order), default=ConversationsSettings.sort, help="order of the list"
    )
    _flag(p, top, "--sender", help="only senders containing this text")
    _flag(
        p, top, "--mark", choices=["fallback", "low-confidence", "unlikely-intent"], help="only conversations marked so"
    )
    _flag(p, top, "--page", type=int, default=ConversationsSettings.page, help="page number")
    _flag(p, top, "--page-size", type=int, default=ConversationsSettings.page_size, help="conversations per page")


def _train_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _config(p, top)
    _domain(p, top)
    _flag(p, top, "--out", default=TrainSettings.out, help="directory the model archive is written to")
    _flag(p, top, "--fixed-model-name", metavar="NAME", help="file name of the archive, without .tar.gz")
    _flag(p, top, "--force", action="store_true", default=False, help="retrain even when nothing changed")
    _flag(
        p,
        top,
        "--skip-validation",
        action="store_true",
        default=False,
        help="train even when `data validate` finds errors (counted, the first printed); the limits still apply",
    )


def _train_data(p: argparse.ArgumentParser, top: bool) -> None:
    _data(p, top)


def _train_nlu_data(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(
        p,
        top,
        "-u",
        "--nlu",
        dest="data",
        nargs="+",
        default=TrainSettings.data,
        metavar="PATH",
        help="NLU data files or directories",
    )


def _train_core_data(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(
        p,
        top,
        "-s",
        "--stories",
        dest="data",
        nargs="+",
        default=TrainSettings.data,
        metavar="PATH",
        help="story and rule files or directories",
    )


def _test_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _model(p, top)
    _flag(p, top, "--out", default=TestSettings.out, help="directory for reports and error lists")
    _config(p, top)
    _domain(p, top)


def _test_stories(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "-s", "--stories", default=TestSettings.stories, help="test stories file or directory")


def _test_nlu(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "-u", "--nlu", default=TestSettings.nlu, help="NLU test data file or directory")
    _flag(
        p,
        top,
        "--cross-validation",
        action="store_true",
        default=False,
        help="train and test on folds of the NLU data instead of testing a model",
    )
    _flag(p, top, "-f", "--folds", type=int, default=TestSettings.folds, help="number of folds for --cross-validation")
    _flag(
        p,
        top,
        "--out-of-scope-intent",
        default=TestSettings.out_of_scope_intent,
        metavar="NAME",
        help="the intent of out-of-scope test examples: its recall and precision are reported "
        "(answering it or nlu_fallback counts as catching one)",
    )


def _interactive_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _model(p, top)
    _endpoints(p, top)
    _data(p, top)
    _domain(p, top)
    _config(p, top)
    _flag(
        p,
        top,
        "--actions",
        metavar="MODULE",
        help="Python module or file with custom actions, run inside botcoach (no action server needed)",
    )
    _conversation_id(p, top)
    _flag(
        p,
        top,
        "--from-store",
        metavar="SENDER",
        help="replay this stored conversation (`botcoach conversations` lists them) to correct it",
    )
    _store_flags(p, top)
    _flag(
        p,
        top,
        "--skip-visualization",
        action="store_true",
        default=False,
        help="do not serve the conversation graph in the browser",
    )
    _flag(
        p, top, "-p", "--port", type=int, default=InteractiveSettings.port, help="port of the conversation graph page"
    )
    _flag(
        p,
        top,
        "--e2e",
        action="store_true",
        default=False,
        help="save user messages as text (end-to-end stories), not only intents",
    )
    _flag(
        p,
        top,
        "--no-online-learning",
        action="store_true",
        default=False,
        help="do not update the models after each correction (they learn it at the next `botcoach train`)",
    )
    _flag(p, top, "--out", default=InteractiveSettings.out, help="directory for models trained during the session")
    _flag(
        p,
        top,
        "--resume",
        nargs="?",
        const="",
        metavar="ID",
        help="go on with an unfinished teaching session (the newest, or the one with this id; see `botcoach sessions`)",
    )
    _sessions_flags(p, top)


def _sessions_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "--journals", default=settings.JOURNALS, metavar="DIR", help="where session journals are kept")


def _session_id(p: argparse.ArgumentParser, top: bool) -> None:
    p.add_argument("id", nargs="?", help="the session's id or its unique start (default: the newest unfinished)")


def _session_export_flags(p: argparse.ArgumentParser, top: bool) -> None:
    """--journals is also a flag of `sessions` itself (its default comes from there); the project's
    files are this sub-command's own, with their defaults."""
    _sessions_flags(p, top)
    _session_id(p, top)
    _data(p, True)
    _domain(p, True)
    _flag(p, True, "--stories", metavar="FILE", help="stories file to write (default: the project's own)")
    _flag(p, True, "--nlu", metavar="FILE", help="NLU file to write (default: the project's own)")


def _shell_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _model(p, top)
    _endpoints(p, top)
    _conversation_id(p, top)


def _run_actions_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(
        p,
        top,
        "--actions",
        default=RunActionsSettings.actions,
        metavar="MODULE",
        help="Python module or file with the actions",
    )
    _flag(p, top, "-p", "--port", type=int, default=RunActionsSettings.port, help="port to listen on")
    _flag(
        p,
        top,
        "-i",
        "--interface",
        "--host",
        dest="host",
        default=RunActionsSettings.host,
        help="network interface to listen on (0.0.0.0 to accept other machines)",
    )
    _flag(p, top, "--cors", nargs="*", metavar="ORIGIN", help="allowed CORS origins (* for all)")
    _flag(
        p,
        top,
        "--allow-host",
        nargs="+",
        metavar="NAME",
        help="answer requests addressed to these host names too (besides localhost, 127.0.0.1, ::1 and the "
        "--host address), e.g. the name other machines or containers use; * answers any",
    )
    _flag(p, top, "--auto-reload", action="store_true", default=False, help="reload actions when their files change")


def _validate_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _data(p, top)
    _domain(p, top)
    _config(p, top)
    _flag(p, top, "--max-history", type=int, help="check stories for conflicts within this many turns")
    _flag(p, top, "--fail-on-warnings", action="store_true", default=False, help="exit with 1 on warnings too")


def _convert_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "--data", default=ConvertSettings.data, metavar="PATH", help="file or directory to convert")
    _flag(
        p, top, "-f", "--format", choices=["md", "yaml", "json"], default=ConvertSettings.format, help="output format"
    )
    _flag(p, top, "--out", default=ConvertSettings.out, metavar="PATH", help="file or directory to write")
    _flag(p, top, "-l", "--language", default=ConvertSettings.language, help="language of the data")


def _visualize_flags(p: argparse.ArgumentParser, top: bool) -> None:
    _flag(p, top, "-s", "--stories", default=VisualizeSettings.stories, help="story files or directory")
    _domain(p, top)
    _flag(p, top, "--out", default=VisualizeSettings.out, help="HTML file of the graph")
    _flag(
        p,
        top,
        "--max-history",
        type=int,
        default=VisualizeSettings.max_history,
        help="turns of history that make two states the same",
    )


# (name, one-line help, description, flag adders, sub-commands or None, required?)
Sub = tuple[str, str, str, list[Adder]]
COMMANDS: list[tuple[str, str, str, list[Adder], list[Sub] | None, bool]] = [
    (
        "train",
        "Train a model from your data, domain and config.",
        "Trains the NLU (intents, entities) and dialogue models and writes one model archive. "
        "'train nlu' or 'train core' trains one half only.",
        [_train_flags, _train_data],
        [
            (
                "nlu",
                "Train the NLU model only.",
                "Trains intent and entity recognition from the NLU data.",
                [_train_flags, _train_nlu_data],
            ),
            (
                "core",
                "Train the dialogue model only.",
                "Trains next-action prediction from stories and rules.",
                [_train_flags, _train_core_data],
            ),
        ],
        False,
    ),
    (
        "test",
        "Evaluate a model on test stories and NLU data.",
        "Reports intent, entity and action accuracy with the failing examples. "
        "'test nlu' or 'test core' evaluates one half only.",
        [_test_flags, _test_stories, _test_nlu],
        [
            (
                "nlu",
                "Evaluate the NLU model only.",
                "Intent and entity reports, optionally by cross-validation.",
                [_test_flags, _test_nlu],
            ),
            (
                "core",
                "Evaluate the dialogue model only.",
                "Runs the test stories and reports wrong actions.",
                [_test_flags, _test_stories],
            ),
        ],
        False,
    ),
    (
        "interactive",
        "Teach the bot by talking to it.",
        "Opens the terminal app: type as the user, confirm or correct what the bot understood and does, "
        "and save the corrections as stories, NLU examples and domain entries.",
        [_interactive_flags],
        None,
        False,
    ),
    (
        "sessions",
        "List, export or discard teaching sessions.",
        "Every step of `botcoach interactive` is kept in a journal under .botcoach/ until the session is exported "
        "or discarded; 'sessions' lists them (age, turns, exported or not), 'sessions export' writes one into the "
        "project's files without the app, 'sessions discard' ends one.",
        [_sessions_flags],
        [
            (
                "export",
                "Export a session's stories, NLU examples and domain entries.",
                "Writes what the session taught, as the app's export does.",
                [_session_export_flags],
            ),
            (
                "discard",
                "Discard an unfinished session.",
                "Marks the session finished without exporting it; its journal stays on disk.",
                [_sessions_flags, _session_id],
            ),
        ],
        False,
    ),
    (
        "conversations",
        "List the conversations a deployed Rasa bot stored.",
        "Reads Rasa's SQL tracker store (SQLite or PostgreSQL, as endpoints.yml's tracker_store: configures it; "
        "read-only) or tracker JSON files, and lists each conversation with its start, user turns and what marks "
        "it for review: a fallback, a low intent confidence, an action_unlikely_intent.",
        [_conversations_flags],
        None,
        False,
    ),
    (
        "shell",
        "Talk to a trained bot in the terminal.",
        "A plain chat with the bot, without corrections.",
        [_shell_flags],
        None,
        False,
    ),
    (
        "run",
        "Run a server; 'run actions' starts the action server.",
        "Starts a long-running server.",
        [],
        [
            (
                "actions",
                "Start the action server for your custom actions.",
                "Serves the custom actions in --actions over HTTP, compatible with Rasa SDK's action server.",
                [_run_actions_flags],
            )
        ],
        True,
    ),
    (
        "data",
        "Check and convert training data.",
        "Tools for the project's data files.",
        [],
        [
            (
                "validate",
                "Check data, domain and config for mistakes and conflicts.",
                "Finds intents, actions and slots used but not declared (and the reverse), and stories that "
                "contradict each other.",
                [_validate_flags],
            ),
            (
                "convert",
                "Convert data between Markdown, YAML and JSON.",
                "Converts Rasa 1.x Markdown or JSON data and 1.x domains to the 2.x/3.x YAML format, or back.",
                [],
            ),
        ],
        True,
    ),
    (
        "visualize",
        "Draw the stories as a graph in an HTML page.",
        "Merges the stories into one graph of states and writes it as an HTML page.",
        [_visualize_flags],
        None,
        False,
    ),
]
CONVERT_KINDS = [
    ("nlu", "Convert NLU training data.", "Converts NLU examples, synonyms, regexes and lookup tables."),
    ("core", "Convert stories and rules.", "Converts stories, rules and checkpoints."),
    ("domain", "Convert a domain file.", "Converts a 1.x domain (templates, forms) to the current format."),
]


# The limits each command works within (core/limits.py), shown at the end of its --help.
_DATA_LIMITS, _ARCHIVE_LIMITS = limits.data_limits_help(), limits.archive_limits_help()
EPILOGS = {
    "train": f"{_DATA_LIMITS} {_ARCHIVE_LIMITS}",
    "validate": _DATA_LIMITS,
    "interactive": f"{_DATA_LIMITS} {_ARCHIVE_LIMITS} Graph page {limits.server_limits_help()}",
    "shell": _ARCHIVE_LIMITS,
    "test": _ARCHIVE_LIMITS,
    "actions": limits.server_limits_help(),
}


def _sub_parser(
    subparsers, name: str, help_text: str, description: str, adders: list[Adder], top: bool, formatter, epilog=None
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name, help=help_text, description=f"{help_text} {description}", formatter_class=formatter, epilog=epilog
    )
    for add in adders:
        add(parser, top)
    _log_flags(parser, top=False)
    return parser


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.HelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=formatter,
        description="Teach a task-oriented chatbot by talking to it. Reads and writes Rasa projects.",
        epilog=f"Run '{PROG} <command> --help' for the flags of a command.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    _log_flags(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="<command>", title="commands")
    for name, help_text, description, adders, subs, required in COMMANDS:
        command = _sub_parser(commands, name, help_text, description, adders, True, formatter, EPILOGS.get(name))
        command.set_defaults(subcommand=None)
        if subs is None:
            continue
        below = command.add_subparsers(
            dest="subcommand", metavar="<sub-command>", title="sub-commands", required=required
        )
        for sub_name, sub_help, sub_description, sub_adders in subs:
            # A command without flags of its own (run, data) gives its sub-commands the defaults.
            epilog = EPILOGS.get(sub_name, EPILOGS.get(name))
            sub = _sub_parser(below, sub_name, sub_help, sub_description, sub_adders, not adders, formatter, epilog)
            if (name, sub_name) == ("data", "convert"):
                kinds = sub.add_subparsers(dest="kind", metavar="<kind>", title="what to convert", required=True)
                for kind, kind_help, kind_description in CONVERT_KINDS:
                    _sub_parser(kinds, kind, kind_help, kind_description, [_convert_flags], True, formatter)
    return parser
