"""Helpers that rasa_sdk's `utils` module offers to actions and their base classes."""

from __future__ import annotations

from .executor import maybe_await

call_potential_coroutine = maybe_await
"""`await utils.call_potential_coroutine(method(...))`: the result of a hook that may be sync or async."""

__all__ = ["call_potential_coroutine"]
