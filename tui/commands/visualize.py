"""`botcoach visualize`: every training story merged into one graph, written as a self-contained
HTML page (no scripts, fonts or anything else fetched; it opens offline)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from core.domain import load_domain
from core.fileio import atomic_write_text
from core.training_data.loader import load_training_data
from core.training_data.trackers import training_trackers
from core.visualization.graph import story_graph
from core.visualization.svg import render_html
from tui.settings import VisualizeSettings


def run(options: VisualizeSettings) -> int:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    stories_path = options.stories
    domain = load_domain(options.domain)
    data = load_training_data([stories_path])
    warnings: list[str] = []
    trackers = training_trackers(data.stories, domain, augmentation_factor=0, warnings=warnings)
    graph = story_graph(trackers, domain, max_history=options.max_history)
    for warning in [*domain.warnings, *warnings]:
        console.print(f"[yellow]warning[/] {warning}", markup=True)
    out = Path(options.out)
    folder = Path(stories_path).resolve()
    title = f"Stories of {folder.parent.name if folder.name == 'data' else folder.name}"
    atomic_write_text(out, render_html(graph, title))
    count = len(graph.shown_stories)
    console.print(f"wrote {out}: {count} {'story' if count == 1 else 'stories'}, {len(graph.graph)} nodes")
    if not count:
        console.print(f"[yellow]warning[/] no stories found in {stories_path}", markup=True)
    return 0
