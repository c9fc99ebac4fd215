"""The model archive: one `.tar.gz` with JSON metadata, the domain, the config and tensor files.

Layout::

    metadata.json                    format, botcoach version, created, fingerprint, parts, components
    domain.yml                       the domain the core part was trained with (absent for NLU only)
    config.yml                       the user's config as given
    config.json                      the config as botcoach resolved it
    components/<name>/meta.json      a component's vocabularies and settings
    components/<name>/tensors.pt     its tensors: torch.save of a plain dict of tensors

An archive can come from anywhere, so reading trusts nothing in it. Nothing is extracted to disk:
the gzip stream is read to its end (so its checksum catches a flipped byte or a cut tail) within
the size and count limits of core/limits.py, every member must be a regular file with a plain
relative name, and must match the sha256 that metadata.json recorded for it at training (so a
replaced or damaged member is named). JSON is parsed with a depth limit, and tensors are loaded
with `weights_only=True`, which refuses any pickled object. Reading members ourselves also keeps
botcoach working on every Python 3.11 (tarfile's extraction filters came with 3.11.4).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import torch

from core.errors import ModelError
from core.jsonio import JSONTooDeepError, loads_bounded
from core.limits import (
    ARCHIVE_MAX_BYTES,
    ARCHIVE_MAX_MEMBER_BYTES,
    ARCHIVE_MAX_MEMBERS,
    ARCHIVE_METADATA_MAX_BYTES,
    JSON_MAX_DEPTH,
    MiB,
)

ARCHIVE_FORMAT = 2  # 2: metadata.json records the sha256 of every other member
ARCHIVE_SUFFIX = ".tar.gz"
METADATA_FILE = "metadata.json"
DOMAIN_FILE = "domain.yml"
CONFIG_FILE = "config.yml"
RESOLVED_CONFIG_FILE = "config.json"
COMPONENTS_DIR = "components"
TRAIN_HINT = "train a new model with `botcoach train`"


@dataclass
class ComponentState:
    """One trained component as stored: JSON-able meta and a flat dict of tensors."""

    kind: str  # "nlu", or a policy's kind
    meta: dict[str, Any]
    tensors: dict[str, Any]


@dataclass
class ArchiveContents:
    metadata: dict[str, Any]
    config_text: str
    resolved_config: dict[str, Any]
    domain_text: str | None = None
    components: dict[str, ComponentState] = field(default_factory=dict)


# ---- names and lookup --------------------------------------------------------------------------


def new_archive_path(out_dir: str | Path, fixed_name: str | None = None, now: datetime | None = None) -> Path:
    """`<out>/<fixed_name>.tar.gz`, or `<out>/<YYYYMMDD-HHMMSS>.tar.gz` made unique with `-2`, `-3`..."""
    out_dir = Path(out_dir)
    if fixed_name:
        name = fixed_name[: -len(ARCHIVE_SUFFIX)] if fixed_name.endswith(ARCHIVE_SUFFIX) else fixed_name
        return out_dir / f"{name}{ARCHIVE_SUFFIX}"
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path, n = out_dir / f"{stamp}{ARCHIVE_SUFFIX}", 1
    while path.exists():
        n += 1
        path = out_dir / f"{stamp}-{n}{ARCHIVE_SUFFIX}"
    return path


def newest_archive(folder: str | Path) -> Path | None:
    """The most recently written archive in `folder` (by modification time, then name)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    archives = [p for p in folder.glob(f"*{ARCHIVE_SUFFIX}") if p.is_file() and not p.name.startswith(".")]
    return max(archives, key=lambda p: (p.stat().st_mtime, p.name), default=None)


def resolve_model_path(path: str | Path | None) -> Path:
    """What `-m/--model` names: an archive, or a folder whose newest archive is meant."""
    path = Path(path) if path is not None else Path("models")
    if path.is_file():
        return path
    if path.is_dir():
        found = newest_archive(path)
        if found is None:
            raise ModelError(
                f"no model archive (*{ARCHIVE_SUFFIX}) in {path}",
                hint=f"{TRAIN_HINT}, or pass -m path/to/model{ARCHIVE_SUFFIX}",
            )
        return found
    raise ModelError(f"model not found: {path}", hint=f"pass an existing archive or folder with -m, or {TRAIN_HINT}")


# ---- writing -----------------------------------------------------------------------------------


def write_archive(path: str | Path, contents: ArchiveContents) -> Path:
    """Write the archive atomically: a temp file beside `path`, fsync, then rename."""
    path = Path(path)
    files: list[tuple[str, bytes]] = [
        (CONFIG_FILE, contents.config_text.encode()),
        (RESOLVED_CONFIG_FILE, _json_bytes(contents.resolved_config)),
    ]
    if contents.domain_text is not None:
        files.append((DOMAIN_FILE, contents.domain_text.encode()))
    for name, component in contents.components.items():
        files.append((_member(name, "meta.json"), _json_bytes(component.meta)))
        files.append((_member(name, "tensors.pt"), _tensor_bytes(component.tensors)))
    metadata = _metadata_with_components(contents)
    metadata["members"] = {name: hashlib.sha256(data).hexdigest() for name, data in files}
    files.insert(0, (METADATA_FILE, _json_bytes(metadata)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ModelError(
            f"cannot write the model to {path}: {exc.strerror or exc}", hint="choose a writable folder with --out"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=_compress_level(files)) as tar:
                for name, data in files:
                    info = tarfile.TarInfo(name)
                    info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
                    tar.addfile(info, io.BytesIO(data))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it private; a model is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ModelError(
            f"cannot write the model to {path}: {exc.strerror or exc}",
            hint="free some disk space or choose another folder with --out",
        ) from exc
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _compress_level(files: list[tuple[str, bytes]]) -> int:
    """Trained floats hardly compress (7% at ten times the time of storing them), JSON does:
    store when tensors make up most of the bytes, else compress."""
    tensor_bytes = sum(len(data) for name, data in files if name.endswith(".pt"))
    other_bytes = sum(len(data) for name, data in files if not name.endswith(".pt"))
    return 0 if tensor_bytes > 4 * other_bytes else 6


def _metadata_with_components(contents: ArchiveContents) -> dict[str, Any]:
    metadata = dict(contents.metadata)
    metadata["format"] = ARCHIVE_FORMAT
    metadata["components"] = {
        name: {
            "kind": c.kind,
            "meta": _member(name, "meta.json"),
            "tensors": _member(name, "tensors.pt"),
            "tensor_count": len(c.tensors),
            "numpy": sorted(k for k, v in c.tensors.items() if _is_numpy(v)),
        }
        for name, c in contents.components.items()
    }
    return metadata


def _member(component: str, file: str) -> str:
    if not component or "/" in component or component in (".", "..") or "\\" in component:
        raise ValueError(f"component name {component!r} cannot be a folder name")
    return f"{COMPONENTS_DIR}/{component}/{file}"


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).encode()


def _is_numpy(value: Any) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "dtype")


def _tensor_bytes(tensors: dict[str, Any]) -> bytes:
    """Numpy arrays are stored as tensors (weights_only loading refuses numpy's pickles)."""
    plain = {k: torch.from_numpy(v.copy()) if _is_numpy(v) else v for k, v in tensors.items()}
    buffer = io.BytesIO()
    torch.save(plain, buffer)
    return buffer.getvalue()


# ---- reading -----------------------------------------------------------------------------------


def read_archive(path: str | Path) -> ArchiveContents:
    """Read and verify an archive; ModelError when it is unsafe, damaged or not botcoach's."""
    path = Path(path)
    members = _verified_members(path)
    metadata = members.pop(METADATA_FILE)
    components = {}
    listed = metadata.get("components") or {}
    if not isinstance(listed, dict):
        raise _broken(path, "the component list in metadata.json is not a mapping")
    for name, entry in listed.items():
        if not isinstance(entry, dict):
            raise _broken(path, f"component {name!r} in metadata.json is not a mapping")
        meta = _json(path, _member_of(path, name, "meta.json"), members)
        tensors = _tensors(path, _member_of(path, name, "tensors.pt"), members)
        for key in entry.get("numpy") or []:
            if isinstance(tensors.get(key), torch.Tensor):
                tensors[key] = tensors[key].numpy()
        components[name] = ComponentState(str(entry.get("kind", name)), meta, tensors)
    return ArchiveContents(
        metadata=metadata,
        config_text=_text(path, CONFIG_FILE, members),
        resolved_config=_json(path, RESOLVED_CONFIG_FILE, members),
        domain_text=_text(path, DOMAIN_FILE, members) if DOMAIN_FILE in members else None,
        components=components,
    )


def read_metadata(path: str | Path) -> dict[str, Any]:
    """metadata.json of a verified archive (every member read and its hash checked)."""
    return _verified_members(Path(path))[METADATA_FILE]


def _verified_members(archive: Path) -> dict[str, Any]:
    """Every member's bytes, and metadata.json parsed, once each member matched its recorded hash."""
    members = _members(archive)
    if METADATA_FILE not in members:
        raise _broken(archive, f"no {METADATA_FILE} inside")
    metadata = _json(archive, METADATA_FILE, members)
    if not isinstance(metadata, dict):
        raise _broken(archive, f"{METADATA_FILE} is not a JSON object")
    version = metadata.get("format")
    if not isinstance(version, int) or version > ARCHIVE_FORMAT:
        raise ModelError(
            f"{archive}: archive format {version!r} is not one this botcoach reads",
            hint=f"update botcoach, or {TRAIN_HINT}",
        )
    hashes = metadata.get("members")
    if version < ARCHIVE_FORMAT or not isinstance(hashes, dict):
        raise ModelError(
            f"{archive}: the archive records no content hashes (an older botcoach wrote it)", hint=TRAIN_HINT
        )
    for name, data in members.items():
        if name == METADATA_FILE:
            continue
        if name not in hashes:
            raise _broken(archive, f"it holds {name!r}, which metadata.json does not list")
        if hashlib.sha256(data).hexdigest() != hashes[name]:
            raise _broken(archive, f"{name} does not match the hash recorded when it was trained")
    for name in hashes:
        if name not in members:
            raise _broken(archive, f"{name} is missing")
    return {**members, METADATA_FILE: metadata}


class _Bounded(io.RawIOBase):
    """A reader that refuses to give more than `limit` bytes in all (a gzip bomb stops here)."""

    def __init__(self, stream: Any, limit: int):
        self.stream, self.left = stream, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise _TooLargeError
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)


class _TooLargeError(Exception):
    pass


def _members(archive: Path) -> dict[str, bytes]:
    """The regular members' bytes, after checking each header; the whole stream is read, so
    gzip's checksum and length are checked too. Folders are skipped."""
    members: dict[str, bytes] = {}
    try:
        with archive.open("rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped:
            stream = io.BufferedReader(_Bounded(unzipped, ARCHIVE_MAX_BYTES))
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for count, member in enumerate(tar, start=1):
                    _check_member(archive, member, count)
                    if member.isdir():
                        continue
                    if member.name in members:
                        raise _broken(archive, f"it holds {member.name!r} twice")
                    handle = tar.extractfile(member)
                    members[member.name] = handle.read() if handle else b""
            while stream.read(1 << 16):  # the padding after the tar's end, then gzip's trailer
                pass
    except ModelError:
        raise
    except FileNotFoundError as exc:
        raise ModelError(f"model not found: {archive}", hint=TRAIN_HINT) from exc
    except _TooLargeError:
        raise _broken(archive, f"it unpacks to more than {ARCHIVE_MAX_BYTES // MiB} MiB, the limit") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:  # gzip's BadGzipFile is an OSError
        raise _broken(archive, f"cannot be unpacked ({exc or type(exc).__name__})") from exc
    return members


def _check_member(archive: Path, member: tarfile.TarInfo, count: int) -> None:
    name = member.name
    unsafe = None
    if count > ARCHIVE_MAX_MEMBERS:
        unsafe = f"one member more than {ARCHIVE_MAX_MEMBERS}, the limit"
    elif not (member.isreg() or member.isdir()):
        unsafe = "a link or special file" if (member.issym() or member.islnk()) else "a device or special file"
    elif name.startswith(("/", "\\")) or PurePosixPath(name).is_absolute() or (len(name) > 1 and name[1] == ":"):
        unsafe = "an absolute path"
    elif ".." in PurePosixPath(name.replace("\\", "/")).parts:
        unsafe = "a path that climbs out with '..'"
    elif name == METADATA_FILE and member.size > ARCHIVE_METADATA_MAX_BYTES:
        unsafe = f"{member.size:,} bytes, more than {ARCHIVE_METADATA_MAX_BYTES // MiB} MiB, the limit for it"
    elif member.size > ARCHIVE_MAX_MEMBER_BYTES:
        unsafe = f"{member.size:,} bytes, more than {ARCHIVE_MAX_MEMBER_BYTES // MiB} MiB, the limit for one member"
    if unsafe:
        raise ModelError(
            f"{archive}: refused to read: member {name!r} is {unsafe}",
            hint=f"this archive was not written by botcoach or was tampered with; delete it and {TRAIN_HINT}",
        )


def _member_of(archive: Path, component: str, file: str) -> str:
    try:
        return _member(component, file)
    except ValueError as exc:
        raise _broken(archive, f"component name {component!r} is not a plain name") from exc


def _bytes(archive: Path, member: str, members: dict[str, Any]) -> bytes:
    if member not in members:
        raise _broken(archive, f"{member} is missing")
    return members[member]


def _text(archive: Path, member: str, members: dict[str, Any]) -> str:
    try:
        return _bytes(archive, member, members).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _broken(archive, f"{member} is not UTF-8 text") from exc


def _json(archive: Path, member: str, members: dict[str, Any]) -> Any:
    try:
        return loads_bounded(_text(archive, member, members))
    except JSONTooDeepError:
        raise _broken(archive, f"{member} nests deeper than {JSON_MAX_DEPTH} levels, the limit") from None
    except ValueError as exc:
        raise _broken(archive, f"{member} is not valid JSON ({exc})") from exc


def _tensors(archive: Path, member: str, members: dict[str, Any]) -> dict[str, Any]:
    data = _bytes(archive, member, members)
    try:
        tensors = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, ...: all mean "refused"
        raise ModelError(
            f"{archive}: refused to load {member}: it is not a plain file of tensors ({type(exc).__name__})",
            hint=f"the archive was tampered with or damaged; delete it and {TRAIN_HINT}",
        ) from exc
    if not isinstance(tensors, dict):
        raise _broken(archive, f"{member} does not hold a dict of tensors")
    return tensors


def _broken(archive: Path, what: str) -> ModelError:
    return ModelError(f"model archive {archive} is damaged: {what}", hint=f"delete it and {TRAIN_HINT}")
