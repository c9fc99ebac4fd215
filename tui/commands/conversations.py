"""`botcoach conversations`: what a deployed Rasa bot stored, newest or most suspicious first."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.tracker_store import TrackerSource, open_source
from core.tracker_store.listing import page_of


def source_from_args(args: argparse.Namespace) -> TrackerSource:
    """The store the flags name: tracker JSON files, a SQLite file, or endpoints.yml's tracker_store."""
    trackers = [Path(path) for path in args.trackers] if args.trackers else None
    return open_source(store=args.store, endpoints=Path(args.endpoints), trackers=trackers)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, soft_wrap=True)
    source = source_from_args(args)
    page = page_of(source.summaries(), args.sort, args.page, args.page_size, args.sender, args.mark)
    if not page.total:
        console.print(f"No stored conversations in {escape(source.describe())}.")
        return 0
    table = Table("sender", "started", "turns", "marks", box=None)
    for row in page.rows:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.start)) if row.start else "?"
        table.add_row(escape(row.sender), started, str(row.turns), ", ".join(row.marks) or "-")
    console.print(table)
    console.print(
        f"page {page.number} of {page.pages} ({page.total} conversations, {args.sort} first) · next: --page "
        f"{min(page.number + 1, page.pages)} · teach from one: botcoach interactive --from-store SENDER"
    )
    return 0
