"""`botcoach conversations`: what a deployed Rasa bot stored, newest or most suspicious first."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.tracker_store import TrackerSource, open_source
from core.tracker_store.listing import page_of
from tui.settings import ConversationsSettings, StoreSettings


def tracker_source(options: StoreSettings) -> TrackerSource:
    """The store the flags name: tracker JSON files, a SQLite file, or endpoints.yml's tracker_store."""
    trackers = [Path(path) for path in options.trackers] if options.trackers else None
    return open_source(store=options.store, endpoints=Path(options.endpoints), trackers=trackers)


def run(options: ConversationsSettings) -> int:
    console = Console(highlight=False, soft_wrap=True)
    source = tracker_source(options)
    page = page_of(source.summaries(), options.sort, options.page, options.page_size, options.sender, options.mark)
    if not page.total:
        console.print(f"No stored conversations in {escape(source.describe())}.")
        return 0
    table = Table("sender", "started", "turns", "marks", box=None)
    for row in page.rows:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.start)) if row.start else "?"
        table.add_row(escape(row.sender), started, str(row.turns), ", ".join(row.marks) or "-")
    console.print(table)
    console.print(
        f"page {page.number} of {page.pages} ({page.total} conversations, {options.sort} first) · next: --page "
        f"{min(page.number + 1, page.pages)} · teach from one: botcoach interactive --from-store SENDER"
    )
    return 0
