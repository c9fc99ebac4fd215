"""`botcoach interactive`: open the app at once; load the bot in its worker.

Without `-m ARCHIVE` the model comes from the models folder and must match the project: when the
project's data changed since the newest model was trained (or there is none), a model is trained
first, as `rasa interactive` does, while the screen is already usable. A model named with `-m` is
compared with the project's domain, and the person decides whether to train or go on.

With `--actions MODULE` our own action server runs in a background thread on 127.0.0.1 for the
session and the agent talks to it instead of the endpoints file's URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import BotcoachError
from core.training_observer import TrainingObserver
from tui.settings import InteractiveSettings

if TYPE_CHECKING:
    from core.interactive.replay import StoredConversation
    from core.interactive.session import Session
    from core.tracker_store import TrackerSource
    from tui.app_startup import Loaded, Startup

Progress = Callable[[str], None]  # one line saying how far loading (or training) is


class ProgressLines(TrainingObserver):
    """Training progress as short lines for the app's status line, at most ~5 a second."""

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


def _project(options: InteractiveSettings):
    from core.training import load_project  # noqa: PLC0415 - loads torch: only in the load worker

    return load_project(options.config, options.domain, list(options.data))


def find_or_train_model(options: InteractiveSettings, progress: Progress | None = None) -> Path:
    """The archive `-m` names; for a models folder, its newest archive if it was trained on the
    project's data as it is now, else a model trained now (reporting to `progress`). When the
    data cannot be trained, the newest archive is used with a warning."""
    from core.model_archive import newest_archive, resolve_model_path  # noqa: PLC0415 - start-up time
    from core.training import parts_to_train, train  # noqa: PLC0415 - loads torch: only in the load worker

    model = Path(options.model)
    if model.is_file() or model.suffix in (".gz", ".tar"):
        return resolve_model_path(model)
    report = progress or (lambda line: None)
    newest = newest_archive(model)
    report("checking whether the model matches the project's data…")
    try:
        project = _project(options)
        result = train(project, parts_to_train(project, None), model, observer=ProgressLines(report))
    except BotcoachError as problem:
        if newest is None:
            raise
        report(f"the project's data cannot be trained ({problem.message}): using {newest.name}")
        return newest
    report(f"{'reusing' if result.reused else 'trained'} {result.path.name}")
    return result.path


def load_bot(
    options: InteractiveSettings, action_url: str | None, progress: Progress, force_train: bool = False
) -> Loaded:
    """The whole startup that may be slow (torch, training, the model): it runs in the app's worker."""
    from core.domain import load_domain  # noqa: PLC0415 - start-up time
    from core.interactive.journal import list_sessions  # noqa: PLC0415 - start-up time
    from core.interactive.model_fit import model_fit  # noqa: PLC0415 - start-up time
    from core.runtime.agent import Agent  # noqa: PLC0415 - start-up time (the model it runs loads torch)
    from core.runtime.endpoints import EndpointConfig  # noqa: PLC0415 - start-up time
    from forms.registry import register_forms  # noqa: PLC0415 - start-up time
    from tui.app_startup import Loaded  # noqa: PLC0415 - loads textual: the CLI's --help stays fast

    if force_train:
        from core.training import parts_to_train, train  # noqa: PLC0415 - loads torch

        project = _project(options)
        model_path = train(project, parts_to_train(project, None), options.out, observer=ProgressLines(progress)).path
    else:
        model_path = find_or_train_model(options, progress)
    progress(f"loading {model_path.name}…")
    agent = Agent.load(model_path, options.endpoints, channel="interactive")
    if action_url:
        agent.registry.action_endpoint = EndpointConfig(action_url)
    register_forms(agent, agent.domain, agent.registry.action_endpoint)
    fit = None
    if Path(options.domain).is_file():
        try:
            found = model_fit(agent.domain, load_domain(options.domain))
        except BotcoachError:
            found = None  # the project's domain does not read: `data validate` says why
        fit = None if found is None or found.fits else found
    resume = None
    if options.resume is not None:
        from core.interactive.journal import find_session  # noqa: PLC0415 - start-up time

        resume = find_session(options.journals, options.resume or None).path
    unfinished = [s for s in list_sessions(options.journals) if not s.finished and not s.problem]
    return Loaded(agent, model_path.name, fit, unfinished, resume)


def open_session(
    options: InteractiveSettings, loaded: Loaded, resume: Path | None, stored: StoredConversation | None = None
) -> Session:
    """A new session on the loaded bot (replaying `stored` when given), or the journaled one at `resume`."""
    from core.interactive.session import ProjectFiles, Session  # noqa: PLC0415 - start-up time

    if resume is not None:
        session = Session.resume(loaded.agent, resume)
    else:
        project = ProjectFiles(list(options.data), options.domain, loaded.model_label)
        session = Session(loaded.agent, options.journals, options.conversation_id, options.e2e, project)
    session.load_training_stories = lambda: _training_stories(options)
    session.model_label = loaded.model_label
    if stored is not None and resume is None:
        session.replay_stored(stored)
    return session


def read_stored(options: InteractiveSettings) -> StoredConversation | None:
    """--from-store SENDER: the stored conversation, read before the app starts so that a store
    that cannot be read is a one-line error, not a broken screen."""
    if not options.from_store:
        return None
    from core.interactive.replay import stored_conversation  # noqa: PLC0415 - start-up time
    from tui.commands.conversations import tracker_source  # noqa: PLC0415 - start-up time

    source = tracker_source(options)
    return stored_conversation(source.tracker(options.from_store), source.describe())


def store_opener(options: InteractiveSettings) -> Callable[[], TrackerSource] | None:
    """How the app opens the tracker store to pick a stored conversation from: --trackers,
    --store, or the endpoints file's `tracker_store:` section; None when none is configured.
    Opening happens in the app's worker, so a store that cannot be read is a notice there."""
    if not (options.trackers or options.store or _endpoints_name_a_store(options.endpoints)):
        return None
    from tui.commands.conversations import tracker_source  # noqa: PLC0415 - start-up time

    return lambda: tracker_source(options)


def _endpoints_name_a_store(endpoints: str) -> bool:
    """Whether the endpoints file has a `tracker_store:` section (an unreadable file has none here:
    loading the bot names its problem)."""
    import yaml  # noqa: PLC0415 - start-up time

    try:
        data = yaml.safe_load(Path(endpoints).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and data.get("tracker_store") is not None


def _training_stories(options: InteractiveSettings) -> list:
    """The project's stories and rules (the form question and the consistency check use them)."""
    from core.training_data.loader import load_training_data  # noqa: PLC0415 - start-up time

    try:
        return load_training_data(list(options.data)).stories
    except BotcoachError:
        return []


def action_server_problem(session) -> str | None:
    """Why the action server cannot run this bot's custom actions now, or None (see core)."""
    from core.runtime.action_server_check import action_server_problem as problem_of  # noqa: PLC0415 - core.runtime loads the agent (100 ms): the app shows first

    return problem_of(session.agent.registry.action_endpoint, session.domain)


def reload_endpoints(options: InteractiveSettings, action_url: str | None, session: Session) -> None:
    """The action endpoint from the endpoints file again (Retry after a failed action), unless
    --actions serves the actions in the app itself."""
    from core.runtime.endpoints import load_endpoints  # noqa: PLC0415 - start-up time

    if not action_url:
        session.agent.registry.action_endpoint = load_endpoints(options.endpoints).action


def startup_for(
    options: InteractiveSettings, action_url: str | None = None, stored: StoredConversation | None = None
) -> Startup:
    """What the app gets from the command line: how to load and open, where to export, the graph
    page's port (None with --skip-visualization) and the keymap files' keys."""
    from core.interactive.export import default_paths  # noqa: PLC0415 - start-up time
    from tui.app_startup import Startup, project_label  # noqa: PLC0415 - loads textual
    from tui.keymap import load_keymap  # noqa: PLC0415 - start-up time

    data: list[str | Path] = list(options.data)
    keymap, keymap_problems = load_keymap()
    return Startup(
        load=lambda progress: load_bot(options, action_url, progress),
        open_session=lambda loaded, resume: open_session(options, loaded, resume, stored),
        retrain=lambda progress: load_bot(options, action_url, progress, force_train=True),
        export_paths=default_paths(data, options.domain),
        data_label=project_label(data),
        check_action_server=action_server_problem,
        reload_endpoints=lambda session: reload_endpoints(options, action_url, session),
        graph_port=None if options.skip_visualization else options.port,
        online_learning=not options.no_online_learning,
        save_learned=lambda learning, session: learning.save(
            session.conversations, _project(options), options.out, session.e2e
        ),
        keymap=keymap,
        notices=keymap_problems,
        open_store=store_opener(options),
    )


def run(options: InteractiveSettings) -> int:
    from tui.app import InteractiveApp  # noqa: PLC0415 - loads textual
    from tui.background_actions import BackgroundActionServer  # noqa: PLC0415 - loads aiohttp

    stored = read_stored(options)
    server = None
    action_url = None
    if options.actions:
        server = BackgroundActionServer(options.actions)
        action_url = server.start()
    app = InteractiveApp(startup_for(options, action_url, stored))
    try:
        result = app.run()
    finally:
        if app.session is not None:
            app.session.agent.close()  # the connection to the action server
        if server is not None:
            server.stop()
    for line in app.exit_lines:
        print(line)
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result or 0)
