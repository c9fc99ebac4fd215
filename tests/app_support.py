"""Shared by the app tests: one concertbot model trained per test session (few epochs), its
custom actions served in-process on a free port, and an app wired to both."""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from tui.app import InteractiveApp, Startup
from tui.commands.interactive import action_server_problem, build_session
from tui.export import default_paths

ROOT = Path(__file__).resolve().parents[1]
CONCERTBOT = ROOT / "sample_data" / "concertbot"


@functools.lru_cache(maxsize=1)
def concertbot_model() -> Path:
    from core.training import load_project, train, with_epochs

    project = load_project(CONCERTBOT / "config.yml", CONCERTBOT / "domain.yml", [CONCERTBOT / "data"])
    project = replace(project, config=with_epochs(project.config, nlu_epochs=30, ted_epochs=20))
    out = Path(tempfile.mkdtemp(prefix="botcoach-app-models-"))
    return train(project, ("nlu", "core"), out, force=True).path


@functools.lru_cache(maxsize=1)
def action_server_url() -> str:
    from tui.background_actions import BackgroundActionServer

    return BackgroundActionServer(str(CONCERTBOT / "actions")).start()


def project_copy(tmp_path: Path) -> Path:
    """A writable copy of concertbot's data and domain (export writes into it)."""
    target = tmp_path / "concertbot"
    shutil.copytree(CONCERTBOT / "data", target / "data")
    shutil.copy(CONCERTBOT / "domain.yml", target / "domain.yml")
    return target


def make_app(tmp_path: Path, action_url: str | None = None) -> InteractiveApp:
    project = project_copy(tmp_path)
    args = argparse.Namespace(model=str(concertbot_model()), endpoints=str(tmp_path / "none.yml"),
                              data=[str(project / "data")], domain=str(project / "domain.yml"),
                              conversation_id="tester", e2e=False)
    url = action_server_url() if action_url is None else action_url
    startup = Startup(
        load_session=lambda: build_session(args, url, tmp_path / ".botcoach"),
        export_paths=default_paths(args.data, args.domain),
        data_label=str(project / "data"),
        check_action_server=action_server_problem,
    )
    return InteractiveApp(startup)
