"""What `botcoach <command>` was asked to do: each command's options as one typed settings object.

The command line (tui/cli_parser.py) takes every flag's default from here, so `--help` shows the value a
command really uses; `settings_for` reads argparse's namespace once, and the commands
(tui/commands/*) only see these objects. An option a namespace lacks or leaves None keeps its
default. Lists given on the command line become tuples. Only the standard library is imported:
`botcoach --help` stays fast.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from typing import Any, Literal, Self

# The project's files where Rasa keeps them, shared by every command that reads them.
MODELS = "models"
CONFIG = "config.yml"
DOMAIN = "domain.yml"
DATA = ("data",)
ENDPOINTS = "endpoints.yml"
JOURNALS = ".botcoach"
FALLBACK_INTENT = "nlu_fallback"  # core.domain.items.NLU_FALLBACK_INTENT (only the standard library here)
Order = Literal["newest", "suspicious"]  # of stored conversations (core.tracker_store.listing's)


class _Settings:
    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Self:
        """The options in `args` that this command has; one it lacks or leaves None keeps its default."""
        given = vars(args)
        values: dict[str, Any] = {}
        for option in fields(cls):  # type: ignore[arg-type]  # every subclass is a dataclass
            value = given.get(option.name)
            if value is not None:
                values[option.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


@dataclass(frozen=True)
class ProjectFiles(_Settings):
    """The files a model is trained from."""

    config: str = CONFIG
    domain: str = DOMAIN
    data: tuple[str, ...] = DATA


@dataclass(frozen=True)
class TrainSettings(ProjectFiles):
    subcommand: str | None = None  # "nlu" or "core": one half only
    out: str = MODELS
    fixed_model_name: str | None = None
    force: bool = False
    skip_validation: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class TestSettings(_Settings):
    __test__ = False  # not a pytest test class, whatever its name

    subcommand: str | None = None  # "nlu" or "core": one half only
    model: str = MODELS
    out: str = "results"
    config: str = CONFIG
    domain: str = DOMAIN
    stories: str = "tests"
    nlu: str = "data"
    cross_validation: bool = False
    folds: int = 5
    out_of_scope_intent: str = FALLBACK_INTENT
    quiet: bool = False


@dataclass(frozen=True)
class StoreSettings(_Settings):
    """Where stored conversations of a deployed bot are read from."""

    endpoints: str = ENDPOINTS
    store: str | None = None  # a SQLite file
    trackers: tuple[str, ...] = ()  # tracker JSON files


@dataclass(frozen=True)
class ConversationsSettings(StoreSettings):
    sort: Order = "newest"
    sender: str | None = None
    mark: str | None = None
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class InteractiveSettings(StoreSettings, ProjectFiles):
    model: str = MODELS
    actions: str | None = None  # a module run in a background action server
    conversation_id: str | None = None
    from_store: str | None = None  # a stored conversation's sender, replayed to correct it
    skip_visualization: bool = False
    port: int = 5005
    e2e: bool = False
    no_online_learning: bool = False
    out: str = MODELS
    resume: str | None = None  # "" for the newest unfinished session
    journals: str = JOURNALS


@dataclass(frozen=True)
class SessionsSettings(_Settings):
    subcommand: str | None = None  # "export" or "discard"; none lists them
    journals: str = JOURNALS
    id: str | None = None
    data: tuple[str, ...] = DATA
    domain: str = DOMAIN
    stories: str | None = None  # default: the project's own stories file
    nlu: str | None = None  # default: the project's own NLU file


@dataclass(frozen=True)
class ShellSettings(_Settings):
    model: str = MODELS
    endpoints: str = ENDPOINTS
    conversation_id: str | None = None


@dataclass(frozen=True)
class RunActionsSettings(_Settings):
    actions: str = "actions"
    port: int = 5055
    host: str = "127.0.0.1"
    cors: tuple[str, ...] = ()
    allow_host: tuple[str, ...] = ()
    auto_reload: bool = False


@dataclass(frozen=True)
class ValidateSettings(ProjectFiles):
    max_history: int | None = None  # default: the config's
    fail_on_warnings: bool = False


@dataclass(frozen=True)
class ConvertSettings(_Settings):
    kind: str = "nlu"  # nlu, core or domain
    data: str = "data"
    format: str = "yaml"
    out: str = "data"
    language: str = "en"


@dataclass(frozen=True)
class VisualizeSettings(_Settings):
    stories: str = "data"
    domain: str = DOMAIN
    out: str = "graph.html"
    max_history: int = 2


Settings = (
    TrainSettings
    | TestSettings
    | InteractiveSettings
    | SessionsSettings
    | ConversationsSettings
    | ShellSettings
    | RunActionsSettings
    | ValidateSettings
    | ConvertSettings
    | VisualizeSettings
)
_BY_COMMAND: dict[tuple[str, str | None], type[Settings]] = {
    ("train", None): TrainSettings,
    ("test", None): TestSettings,
    ("interactive", None): InteractiveSettings,
    ("sessions", None): SessionsSettings,
    ("conversations", None): ConversationsSettings,
    ("shell", None): ShellSettings,
    ("run", "actions"): RunActionsSettings,
    ("data", "validate"): ValidateSettings,
    ("data", "convert"): ConvertSettings,
    ("visualize", None): VisualizeSettings,
}


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings of the command `args` was parsed for (`botcoach data convert` -> ConvertSettings)."""
    command, subcommand = args.command, getattr(args, "subcommand", None)
    kind = _BY_COMMAND.get((command, subcommand)) or _BY_COMMAND[(command, None)]
    return kind.from_args(args)
