"""Which stored conversations to show, in what order, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.tracker_store.reader import ConversationSummary

Order = Literal["newest", "suspicious"]
MARKS = ("fallback", "low-confidence", "unlikely-intent")


@dataclass(frozen=True)
class Page:
    rows: list[ConversationSummary]
    number: int
    pages: int
    total: int


def matching(
    summaries: list[ConversationSummary], sender: str | None = None, mark: str | None = None
) -> list[ConversationSummary]:
    """The conversations whose sender contains `sender` (any case) and that carry `mark`, in order."""
    rows = summaries
    if sender:
        needle = sender.lower()
        rows = [row for row in rows if needle in row.sender.lower()]
    if mark:
        rows = [row for row in rows if mark in row.marks]
    return rows


def ordered(summaries: list[ConversationSummary], order: Order = "newest") -> list[ConversationSummary]:
    """Newest first, or most suspicious first (then newest)."""
    if order == "suspicious":
        return sorted(summaries, key=lambda row: (row.suspicion, row.latest or 0.0), reverse=True)
    return sorted(summaries, key=lambda row: row.latest or 0.0, reverse=True)


def page_of(
    summaries: list[ConversationSummary],
    order: Order = "newest",
    page: int = 1,
    size: int = 20,
    sender: str | None = None,
    mark: str | None = None,
) -> Page:
    """Filters by sender substring and mark, sorts (newest first, or most suspicious then newest), pages."""
    rows = ordered(matching(summaries, sender, mark), order)
    size = max(size, 1)
    pages = max(1, -(-len(rows) // size))
    number = min(max(page, 1), pages)
    return Page(rows[(number - 1) * size : number * size], number, pages, len(rows))
