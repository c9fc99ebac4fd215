"""Lets actions written for rasa_sdk import botcoach's SDK unchanged.

When the real rasa-sdk package is not installed, `rasa_sdk` and each of its modules that
botcoach's SDK has (`rasa_sdk.forms`, `rasa_sdk.events`, ...) are entered in `sys.modules` as
names of `core.sdk` and its modules, so `from rasa_sdk.forms import FormValidationAction` gives
botcoach's class. An installed rasa-sdk is left alone: its own server runs such actions.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import core.sdk

# rasa_sdk's modules that core.sdk mirrors, by the same names.
MODULES = ("constants", "events", "executor", "forms", "interfaces", "types", "utils")
NAMES = ("rasa_sdk", "rasa_core_sdk")  # rasa_core_sdk: the package's name before Rasa 1.0


def real_rasa_sdk_installed() -> bool:
    """Whether `import rasa_sdk` would load the real package (not our stand-in)."""
    if sys.modules.get("rasa_sdk") is core.sdk:
        return False
    try:
        return importlib.util.find_spec("rasa_sdk") is not None
    except (ImportError, ValueError):
        return False


def answer_as_rasa_sdk() -> bool:
    """Make `rasa_sdk` (and `rasa_core_sdk`) import core.sdk, unless the real package is
    installed; returns whether the names now stand for core.sdk."""
    if real_rasa_sdk_installed():
        return False
    for package in NAMES:
        sys.modules[package] = core.sdk
        for name in MODULES:
            sys.modules[f"{package}.{name}"] = importlib.import_module(f"core.sdk.{name}")
    return True
