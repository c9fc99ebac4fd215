"""Finds the user's actions: imports a module, package, .py file or folder and registers every
concrete `Action` subclass defined in it, with errors that point at the user's file and line.

Actions written for rasa_sdk import it unchanged: unless the real rasa-sdk is installed, the name
`rasa_sdk` stands for botcoach's SDK here (core/sdk/as_rasa_sdk.py)."""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import pkgutil
import sys
import traceback
from pathlib import Path
from types import ModuleType

from core.errors import ActionServerError, Location
from core.sdk.as_rasa_sdk import answer_as_rasa_sdk
from core.sdk.forms import ValidationAction
from core.sdk.interfaces import Action

logger = logging.getLogger(__name__)

SDK_HINT = (
    "botcoach's SDK (core.sdk), which answers to the name rasa_sdk, lacks this part of rasa_sdk's API: "
    "run these actions on rasa-sdk's own server (`python -m rasa_sdk --actions actions` in an environment "
    "with rasa-sdk) and point endpoints.yml's action_endpoint at it"
)
REAL_SDK_HINT = (
    "these actions use the rasa-sdk package installed in botcoach's environment, whose classes botcoach's "
    "server cannot run: uninstall rasa-sdk there (botcoach then answers to the name rasa_sdk), or run them "
    "on rasa-sdk's own server and point endpoints.yml's action_endpoint at it"
)


class ActionLoader:
    """Imports one actions module or package, remembers its files, and re-imports it from
    scratch when one of them changes (auto-reload)."""

    def __init__(self, module_or_path: str, base_dir: Path | None = None) -> None:
        self.spec = module_or_path
        self.base_dir = (base_dir or Path.cwd()).resolve()
        self.search_dir, self.module_name = _resolve(module_or_path, self.base_dir)
        self.mtimes: dict[Path, int] = {}

    def load(self) -> dict[str, Action]:
        """Import (again) and return {action name: instance}. Raises ActionServerError."""
        answer_as_rasa_sdk()
        _forget(self.module_name)
        if str(self.search_dir) in sys.path:  # first on the path, so it wins over same-named modules
            sys.path.remove(str(self.search_dir))
        sys.path.insert(0, str(self.search_dir))
        importlib.invalidate_caches()
        seen = _snapshot(self._current_files())
        modules = self._import_all()
        self.mtimes = seen
        actions = _collect_actions(modules)
        if not actions and _uses_real_rasa_sdk(modules):
            raise ActionServerError(f"no actions botcoach can run in '{self.module_name}'", hint=REAL_SDK_HINT)
        return actions

    def unload(self) -> None:
        """Forget the user's modules, so that what they hold (a database connection) can be
        released now, on the caller's thread, rather than at interpreter exit."""
        _forget(self.module_name)

    def changed(self) -> bool:
        """True when a watched file was edited, added or removed since the last `load`."""
        return _snapshot(self._current_files()) != self.mtimes

    def mark_seen(self) -> None:
        """Accept the files as they are now, e.g. after a failed reload, so only a further edit
        triggers the next attempt."""
        self.mtimes = _snapshot(self._current_files())

    def _import_all(self) -> list[ModuleType]:
        root = self._import(self.module_name)
        modules = [root]
        pending = [root]
        while pending:
            package = pending.pop()
            for info in pkgutil.iter_modules(getattr(package, "__path__", None) or []):
                child = self._import(f"{package.__name__}.{info.name}")
                modules.append(child)
                if info.ispkg:
                    pending.append(child)
        return modules

    def _import(self, name: str) -> ModuleType:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if name == self.module_name and (missing == name or name.startswith(missing + ".")):
                raise ActionServerError(
                    f"no actions module or package '{self.module_name}' in {self.search_dir}",
                    hint="pass --actions a module name importable from the current directory, "
                    "or the path of a .py file or folder",
                ) from None
            raise _import_error(name, error, self.search_dir) from None
        except Exception as error:  # any error in user code at import time  # noqa: BLE001
            raise _import_error(name, error, self.search_dir) from None

    def _current_files(self) -> list[Path]:
        root = self.search_dir / Path(*self.module_name.split("."))
        if root.is_dir():
            return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
        return [root.with_suffix(".py")]


def load_actions(module_or_path: str) -> dict[str, Action]:
    """Import a module/package by dotted name (from the current directory) or a .py file or
    folder path, and return its actions by name."""
    return ActionLoader(module_or_path).load()


def _resolve(spec: str, base_dir: Path) -> tuple[Path, str]:
    """(directory to put on sys.path, dotted module name) for a name or a path."""
    path = Path(spec).expanduser()
    path = path if path.is_absolute() else base_dir / path
    looks_like_path = spec.endswith(".py") or os.sep in spec or "/" in spec or path.exists()
    if not looks_like_path:
        if not all(part.isidentifier() for part in spec.split(".")):
            raise ActionServerError(
                f"'{spec}' is neither a module name nor an existing file or folder",
                hint="pass --actions a module name such as 'actions', or a path such as actions/ or actions.py",
            )
        return base_dir, spec
    if not path.exists():
        raise ActionServerError(
            f"actions path {path} does not exist", hint="check the --actions path (a .py file or a folder of .py files)"
        )
    path = path.resolve()
    if path.is_file():
        if path.suffix != ".py":
            raise ActionServerError(f"{path} is not a Python file", hint="pass a .py file or a folder")
        return path.parent, path.stem
    return path.parent, path.name


def _forget(module_name: str) -> None:
    """Drop a previous import of the user's module so that loading again reads the files
    afresh (a user module loaded earlier from another folder included), but never a module of
    Python itself or of an installed package that happens to share the name."""
    installed = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    for name in [n for n in sys.modules if n == module_name or n.startswith(module_name + ".")]:
        file = getattr(sys.modules[name], "__file__", None)
        resolved = Path(file).resolve() if file else None
        if name in sys.builtin_module_names or (resolved and any(resolved.is_relative_to(p) for p in installed)):
            continue
        del sys.modules[name]


def _snapshot(files: list[Path]) -> dict[Path, int]:
    mtimes = {}
    for file in files:
        try:
            mtimes[file] = file.stat().st_mtime_ns
        except OSError:
            continue
    return mtimes


def _import_error(module_name: str, error: BaseException, user_dir: Path) -> ActionServerError:
    """An error naming the user's file and line, the exception in one line, and what to do."""
    if isinstance(error, SyntaxError) and error.filename:
        return ActionServerError(
            f"syntax error in actions module '{module_name}': {error.msg}",
            Location(error.filename, error.lineno, error.offset),
            hint="fix the syntax at this line, then start the action server again",
        )
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith("<")]
    in_user_dir = [f for f in frames if Path(f.filename).resolve().is_relative_to(user_dir)]
    candidates = in_user_dir or frames
    frame = candidates[-1] if candidates else None
    location = Location(frame.filename, frame.lineno) if frame else None
    summary = f"{type(error).__name__}: {error}"
    if isinstance(error, ImportError) and _is_sdk_module(error.name or ""):
        hint = SDK_HINT  # a module or name of rasa_sdk that core.sdk does not have
    elif isinstance(error, ModuleNotFoundError):
        hint = f"install the package '{error.name}' in botcoach's environment, or remove the import"
    else:
        hint = "fix the error at this line, then start the action server again"
    return ActionServerError(f"cannot import actions module '{module_name}': {summary}", location, hint)


def _is_sdk_module(name: str) -> bool:
    return name.split(".")[0] in ("rasa_sdk", "rasa_core_sdk") or name == "core.sdk" or name.startswith("core.sdk.")


def _collect_actions(modules: list[ModuleType]) -> dict[str, Action]:
    actions: dict[str, Action] = {}
    origins: dict[str, type] = {}
    for module in modules:
        for cls in vars(module).values():
            if not _is_action_defined_in(cls, module):
                continue
            instance, name = _instantiate(cls)
            if instance is None or not name:
                continue
            if name in actions:
                raise ActionServerError(
                    f"two actions are named '{name}': {_qualified(origins[name])} and {_qualified(cls)}",
                    Location(inspect.getsourcefile(cls), _line_of(cls)),
                    hint="give each action a unique name()",
                )
            actions[name] = instance
            origins[name] = cls
    return actions


def _uses_real_rasa_sdk(modules: list[ModuleType]) -> bool:
    """Whether the modules define actions on an installed rasa-sdk's classes instead of ours."""
    for module in modules:
        for cls in vars(module).values():
            if (
                inspect.isclass(cls)
                and cls.__module__ == module.__name__
                and any(base.__module__.startswith("rasa_sdk") for base in inspect.getmro(cls)[1:])
            ):
                return True
    return False


def _is_action_defined_in(obj: object, module: ModuleType) -> bool:
    """A concrete Action subclass written in this module (not one it merely imports)."""
    return (
        inspect.isclass(obj)
        and issubclass(obj, Action)
        and obj.__module__ == module.__name__
        and not inspect.isabstract(obj)
    )


def _instantiate(cls: type[Action]) -> tuple[Action | None, str | None]:
    """Build the action and read its name; validation helpers without a usable name are
    intermediate base classes and are skipped, any other failure is the user's to fix."""
    location = Location(inspect.getsourcefile(cls), _line_of(cls))
    try:
        instance = cls()
    except Exception as error:  # noqa: BLE001 - user constructor
        raise ActionServerError(
            f"cannot create action {_qualified(cls)}: {type(error).__name__}: {error}",
            location,
            hint="actions are created without arguments: give __init__ defaults",
        ) from None
    try:
        name = instance.name()
    except Exception as error:  # noqa: BLE001 - user code
        if issubclass(cls, ValidationAction):
            logger.debug("Skipping %s: name() raised %r", _qualified(cls), error)
            return None, None
        raise ActionServerError(
            f"name() of action {_qualified(cls)} failed: {type(error).__name__}: {error}",
            location,
            hint="name() must return the action's name as a string",
        ) from None
    if not name or not isinstance(name, str):
        if issubclass(cls, ValidationAction):
            return None, None
        raise ActionServerError(
            f"action {_qualified(cls)} has an empty name",
            location,
            hint="name() must return the action's name as a string",
        )
    return instance, name


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _line_of(cls: type) -> int | None:
    try:
        return inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None
