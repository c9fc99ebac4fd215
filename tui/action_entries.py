"""The entries of the action list: every action the bot has, most probable first. At equal
probability (as shown, two decimals) the bot's own actions come before the built-in ones, so
that the ~15 built-ins at 0.00 do not push the bot's actions out of an 80x24 screen."""

from __future__ import annotations

from collections.abc import Iterable

from core.domain import DEFAULT_ACTIONS
from tui.widgets.ranked_list import Entry

NEW_ACTION = "<new>"


def action_entries(ranking: Iterable[tuple[str, float]], names: Iterable[str]) -> list[Entry]:
    scored = dict(ranking)
    for name in names:
        scored.setdefault(name, 0.0)
    built_in = set(DEFAULT_ACTIONS)
    order = sorted(enumerate(scored.items()), key=lambda item: (-round(item[1][1], 2), item[1][0] in built_in, item[0]))
    entries = [Entry(f"action:{name}", f"{p:.2f}  {name}") for _, (name, p) in order]
    return [*entries, Entry(f"action:{NEW_ACTION}", "<create new action>", always=True)]
