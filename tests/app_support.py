"""Shared by the app tests: one model per sample bot trained per test session (few epochs), the
bot's custom actions served in-process on a free port, and an app wired to both."""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from core.interactive.export import default_paths
from core.training import load_project, train, with_epochs
from tests.conftest import SAMPLES
from tui.app import InteractiveApp
from tui.app_startup import Loaded, Startup
from tui.background_actions import BackgroundActionServer
from tui.commands import interactive
from tui.commands.interactive import action_server_problem, store_opener
from tui.settings import InteractiveSettings

CONCERTBOT = SAMPLES / "concertbot"
FORMBOT = SAMPLES / "formbot"
EPOCHS = {"concertbot": (30, 20), "formbot": (5, 10), "moodbot": (40, 40)}  # (NLU, TED): enough for these tests


@functools.cache
def trained_model(bot: str) -> Path:
    folder = SAMPLES / bot
    nlu_epochs, ted_epochs = EPOCHS[bot]
    project = load_project(folder / "config.yml", folder / "domain.yml", [folder / "data"])
    project = replace(project, config=with_epochs(project.config, nlu_epochs=nlu_epochs, ted_epochs=ted_epochs))
    out = Path(tempfile.mkdtemp(prefix=f"botcoach-app-{bot}-"))
    return train(project, ("nlu", "core"), out, force=True).path


@functools.cache
def served_actions(bot: str) -> str:
    return BackgroundActionServer(str(SAMPLES / bot / "actions")).start()


def concertbot_model() -> Path:
    return trained_model("concertbot")


def action_server_url() -> str:
    return served_actions("concertbot")


def project_copy(tmp_path: Path, bot: str = "concertbot") -> Path:
    """A writable copy of the bot's data and domain (export writes into it)."""
    target = tmp_path / bot
    shutil.copytree(SAMPLES / bot / "data", target / "data")
    shutil.copy(SAMPLES / bot / "domain.yml", target / "domain.yml")
    return target


def interactive_args(tmp_path: Path, project: Path, bot: str = "concertbot", **overrides) -> InteractiveSettings:
    """The settings of `botcoach interactive` on a project copy, with the bot's trained model."""
    values = {
        "model": overrides.get("model") or str(trained_model(bot)),
        "endpoints": str(tmp_path / "none.yml"),
        "data": (str(project / "data"),),
        "domain": str(project / "domain.yml"),
        "config": str(SAMPLES / bot / "config.yml"),
        "conversation_id": "tester",
        "e2e": False,
        "resume": None,
        "out": str(tmp_path / "models"),
        "skip_visualization": True,
        "port": 5005,
        "journals": str(tmp_path / ".botcoach"),
    }
    values.update(overrides)
    return InteractiveSettings(**values)


def make_app(
    tmp_path: Path,
    action_url: str | None = None,
    bot: str = "concertbot",
    graph_port: int | None = None,
    keymap: dict[str, str] | None = None,
    prepare: Callable | None = None,
    data_label: str | None = None,
    **overrides,
) -> InteractiveApp:
    """The app on a trained sample bot; `prepare(session)` may change the session once opened.
    Journals go to `tmp_path/.botcoach` (the tests run from their own working directory)."""
    project = project_copy(tmp_path, bot) if not (tmp_path / bot).exists() else tmp_path / bot
    args = interactive_args(tmp_path, project, bot, **overrides)
    return app_for(args, bot, action_url, graph_port, keymap, prepare, data_label)


def app_for(
    args: InteractiveSettings,
    bot: str = "concertbot",
    action_url: str | None = None,
    graph_port: int | None = None,
    keymap: dict[str, str] | None = None,
    prepare: Callable | None = None,
    data_label: str | None = None,
) -> InteractiveApp:
    """The app on the settings `args` (see interactive_args)."""
    url = served_actions(bot) if action_url is None else action_url

    def load(progress) -> Loaded:
        return interactive.load_bot(args, url, progress)

    def open_session(loaded: Loaded, resume: Path | None):
        session = interactive.open_session(args, loaded, resume)
        if prepare is not None:
            prepare(session)
        return session

    startup = Startup(
        load=load,
        open_session=open_session,
        retrain=lambda progress: interactive.load_bot(args, url, progress, force_train=True),
        export_paths=default_paths(list(args.data), args.domain),
        data_label=str(args.data[0]) if data_label is None else data_label,
        check_action_server=action_server_problem,
        reload_endpoints=lambda session: interactive.reload_endpoints(args, url, session),
        graph_port=graph_port,
        keymap=keymap or {},
        online_learning=not args.no_online_learning,
        save_learned=lambda learning, session: learning.save(
            session.conversations, interactive._project(args), args.out, session.e2e
        ),
        open_store=store_opener(args),
    )
    return InteractiveApp(startup)
