"""The base the app's mixins (startup, answers, leaving, stored conversations, turn edits) derive
from: to the type checker, the `App[int]` they are mixed into, so each sees the app's own methods;
at run time plain `object`, so `InteractiveApp` has one App in its bases."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

    AppMixin = App[int]
else:
    AppMixin = object
