"""`botcoach sessions [export|discard]`: the teaching sessions kept under .botcoach/, without the app.

A session is finished when it was exported (with nothing taught after) or discarded; the others
are offered back when `botcoach interactive` starts, and can be exported from here: what the
session taught is derived from its journaled conversations exactly as the app's export does.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from core.domain import load_domain
from core.interactive.export import ExportPaths, apply_to_state, default_paths, plan_export, write_plan
from core.interactive.journal import Journal, find_session, list_sessions, replay
from tui.settings import SessionsSettings


def run(options: SessionsSettings) -> int:
    console = Console(highlight=False, soft_wrap=True)
    folder = Path(options.journals)
    if options.subcommand == "export":
        return _export(console, folder, options)
    if options.subcommand == "discard":
        found = find_session(folder, options.id)
        Journal(found.path).write([{"discarded": True}])
        console.print(f"Discarded session {escape(found.id)} ({found.user_turns} user turn(s) not exported).")
        return 0
    sessions = list_sessions(folder)
    if not sessions:
        console.print(f"No teaching sessions in {escape(str(folder))}.")
        return 0
    ids = Column("id", no_wrap=True, min_width=max(len(s.id) for s in sessions))  # typed back: never cut
    table = Table(ids, "changed", "conversations", "user turns", "status", box=None)
    for session in sessions:
        status = session.status if not session.problem else f"unreadable: {session.problem}"
        changed = time.strftime("%Y-%m-%d %H:%M", time.localtime(session.changed))
        table.add_row(session.id, changed, str(session.conversations), str(session.user_turns), escape(status))
    console.print(table)
    if any(not s.finished and not s.problem for s in sessions):
        console.print("Go on with one: botcoach interactive --resume ID · write one out: botcoach sessions export ID")
    return 0


def _export(console: Console, folder: Path, options: SessionsSettings) -> int:
    found = find_session(folder, options.id)
    domain = load_domain(options.domain)
    replayed = replay(found.path, domain.slot_defaults())
    for name, text in replayed.state.additions.responses.items():
        domain.responses.setdefault(name, [{"text": text}])
    paths = default_paths(list(options.data), options.domain)
    paths = ExportPaths(Path(options.stories or paths.stories), Path(options.nlu or paths.nlu), paths.domain)
    plan = plan_export(replayed.state, domain, paths)
    write_plan(plan, Journal(found.path).write)
    apply_to_state(plan, replayed.state)
    for line in plan.summary() or ["nothing new to write"]:
        console.print(f"Exported: {escape(line)}")
    return 0
