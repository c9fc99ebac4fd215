"""`botcoach interactive`: open the app at once; load (or first train) the model in its worker.

With `--actions MODULE` our own action server runs in a background thread on 127.0.0.1 for the
session and the agent talks to it instead of the endpoints file's URL.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from core.errors import ModelError

Progress = Callable[[str], None]  # one line saying how far loading (or training) is


class ProgressLines:
    """Training progress as short lines for the app's status line, at most ~5 a second. It has
    core.training.TrainingObserver's methods without subclassing it: importing core.training
    loads torch, which must not delay the app's first screen."""

    def __init__(self, report: Progress, interval: float = 0.2) -> None:
        self.report = report
        self.interval = interval
        self._last = 0.0

    def stage(self, name: str, total_epochs: int) -> None:
        self.report(f"training {name}" + (f" ({total_epochs} epochs)…" if total_epochs else "…"))

    def epoch(self, name: str, epoch: int, total: int, loss: float) -> None:
        now = time.monotonic()
        if epoch == total or now - self._last >= self.interval:
            self._last = now
            self.report(f"training {name}: epoch {epoch}/{total}, loss {loss:.3f}")

    def done(self, name: str) -> None:
        self.report(f"trained {name}")

    def warning(self, message: str) -> None:
        self.report(message)


def find_or_train_model(args: argparse.Namespace, progress: Progress | None = None) -> Path:
    """The archive `-m` names (newest in a folder); none yet in the folder: train one first,
    reporting its progress to `progress`."""
    from core.model_archive import resolve_model_path

    model = getattr(args, "model", None) or "models"
    try:
        return resolve_model_path(model)
    except ModelError:
        if Path(model).is_file() or Path(model).suffix in (".gz", ".tar"):
            raise
    from core.training import load_project, parts_to_train, train

    if progress is not None:
        progress(f"no model in {model}: training one first…")
    project = load_project(
        getattr(args, "config", None) or "config.yml",
        getattr(args, "domain", None) or "domain.yml",
        list(getattr(args, "data", None) or ["data"]),
    )
    observer = ProgressLines(progress) if progress is not None else None
    return train(project, parts_to_train(project, None), model, observer=observer).path


def build_session(
    args: argparse.Namespace,
    action_url: str | None = None,
    journal_dir: str | Path = ".botcoach",
    progress: Progress | None = None,
):
    """The whole startup that may be slow (torch, the model): it runs in the app's worker."""
    from core.runtime.agent import Agent
    from core.runtime.endpoints import EndpointConfig
    from tui.session import Session

    model_path = find_or_train_model(args, progress)
    if progress is not None:
        progress(f"loading {model_path.name}…")
    agent = Agent.load(model_path, getattr(args, "endpoints", None) or "endpoints.yml", channel="interactive")
    if action_url:
        agent.registry.action_endpoint = EndpointConfig(action_url)
    from forms.registry import register_forms

    register_forms(agent, agent.domain, agent.registry.action_endpoint)
    session = Session(agent, journal_dir, getattr(args, "conversation_id", None), bool(getattr(args, "e2e", False)))
    session.model_label = model_path.name
    session.load_training_stories = lambda: _training_stories(args)
    return session


def _training_stories(args: argparse.Namespace) -> list:
    """The project's stories (the form validation question warns when they say otherwise)."""
    from core.errors import BotcoachError
    from core.training_data.loader import load_training_data

    try:
        return load_training_data(list(getattr(args, "data", None) or ["data"])).stories
    except BotcoachError:
        return []


def action_server_problem(session) -> str | None:
    """Why the action server cannot run this bot's custom actions now, or None (see core)."""
    from core.runtime.action_server_check import action_server_problem as problem_of  # noqa: PLC0415 - core.runtime loads the agent (100 ms): the app shows first

    return problem_of(session.agent.registry.action_endpoint, session.domain)


def startup_for(args: argparse.Namespace, action_url: str | None = None):
    """What the app gets from the command line: how to load, where to export, the graph page's
    port (None with --skip-visualization) and the keymap files' keys."""
    from tui.app import Startup, project_label
    from tui.export import default_paths
    from tui.keymap import load_keymap

    data = list(getattr(args, "data", None) or ["data"])
    keymap, keymap_problems = load_keymap()
    return Startup(
        load_session=lambda progress: build_session(args, action_url, progress=progress),
        export_paths=default_paths(data, getattr(args, "domain", None) or "domain.yml"),
        data_label=project_label(data),
        check_action_server=action_server_problem,
        graph_port=None if getattr(args, "skip_visualization", False) else getattr(args, "port", 5005),
        keymap=keymap,
        notices=keymap_problems,
    )


def run(args: argparse.Namespace) -> int:
    from tui.app import InteractiveApp
    from tui.background_actions import BackgroundActionServer

    server = None
    action_url = None
    if getattr(args, "actions", None):
        server = BackgroundActionServer(args.actions)
        action_url = server.start()
    try:
        result = InteractiveApp(startup_for(args, action_url)).run()
    finally:
        if server is not None:
            server.stop()
    return int(result or 0)
