"""`botcoach interactive`: open the app at once; load (or first train) the model in its worker.

With `--actions MODULE` our own action server runs in a background thread on 127.0.0.1 for the
session and the agent talks to it instead of the endpoints file's URL.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from pathlib import Path

from core.errors import ModelError


def find_or_train_model(args: argparse.Namespace) -> Path:
    """The archive `-m` names (newest in a folder); none yet in the folder: train one first."""
    from core.model_archive import resolve_model_path

    model = getattr(args, "model", None) or "models"
    try:
        return resolve_model_path(model)
    except ModelError:
        if Path(model).is_file() or Path(model).suffix in (".gz", ".tar"):
            raise
    from core.training import load_project, parts_to_train, train

    project = load_project(getattr(args, "config", "config.yml"), getattr(args, "domain", "domain.yml"),
                           list(getattr(args, "data", None) or ["data"]))
    return train(project, parts_to_train(project, None), model).path


def build_session(args: argparse.Namespace, action_url: str | None = None, journal_dir: str | Path = ".botcoach"):
    """The whole startup that may be slow (torch, the model): it runs in the app's worker."""
    from core.runtime.agent import Agent
    from core.runtime.endpoints import EndpointConfig
    from tui.session import Session

    model_path = find_or_train_model(args)
    agent = Agent.load(model_path, getattr(args, "endpoints", None) or "endpoints.yml", channel="interactive")
    if action_url:
        agent.registry.action_endpoint = EndpointConfig(action_url)
    try:
        from forms.registry import register_forms
    except ImportError:
        register_forms = None
    if register_forms is not None:
        register_forms(agent, agent.domain, agent.registry.action_endpoint)
    session = Session(agent, journal_dir, getattr(args, "conversation_id", None), bool(getattr(args, "e2e", False)))
    session.model_label = model_path.name
    session.training_stories = _training_stories(args)
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
    """Why the action server cannot be used now, or None (also when the bot needs none)."""
    endpoint = session.agent.registry.action_endpoint
    if endpoint is None:
        if session.domain.custom_actions:
            return ("no action server is configured, so custom actions cannot run "
                    "(add action_endpoint to endpoints.yml or pass --actions)")
        return None
    base = endpoint.url.rsplit("/webhook", 1)[0] if endpoint.url.endswith("/webhook") else endpoint.url
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
            json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError:
        return None  # it answers: a server without /health is still a server
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return f"the action server at {endpoint.url} is unreachable ({reason}); custom actions will fail"
    return None


def run(args: argparse.Namespace) -> int:
    from tui.app import InteractiveApp, Startup, project_label
    from tui.background_actions import BackgroundActionServer
    from tui.export import default_paths

    server = None
    action_url = None
    if getattr(args, "actions", None):
        server = BackgroundActionServer(args.actions)
        action_url = server.start()
    data = list(getattr(args, "data", None) or ["data"])
    startup = Startup(
        load_session=lambda: build_session(args, action_url),
        export_paths=default_paths(data, getattr(args, "domain", None) or "domain.yml"),
        data_label=project_label(data),
        check_action_server=action_server_problem,
    )
    try:
        result = InteractiveApp(startup).run()
    finally:
        if server is not None:
            server.stop()
    return int(result or 0)
