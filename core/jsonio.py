"""JSON from outside (model archives, action server requests) parsed with a nesting limit.

`json.loads` meets deep nesting with a RecursionError, and whatever walks a deep result later
(copying, dumping) may meet it again; both are refused here as a ValueError of our own.
"""

from __future__ import annotations

import json
from typing import Any

from core.limits import JSON_MAX_DEPTH


class JSONTooDeepError(ValueError):
    """The document nests lists and objects deeper than allowed."""


def loads_bounded(data: str | bytes, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """`json.loads`, refusing documents nested more than `max_depth` lists and objects deep."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise JSONTooDeepError(f"JSON nested more than {max_depth} levels deep") from None
    if _deeper_than(value, max_depth):
        raise JSONTooDeepError(f"JSON nested more than {max_depth} levels deep")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` deep (an explicit stack: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
