"""Writing the user's files safely: one file atomically, or several as one transaction.

A file is read as a `TextFile`, which remembers its line endings, its UTF-8 byte-order mark and,
for a symlink, the file it points to, so that writing it back changes only the text: a CRLF file
stays CRLF, a BOM stays, and a symlinked file is updated where it really lives.

`write_together` writes several files so that either all of them change or none does: every new
text goes to a temporary file beside its target first (fsynced), then the temporaries replace
their targets; if a replacement fails, the targets already replaced get their old bytes back.
New files get the permissions the umask gives, as any editor would create them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.errors import ExportError

BOM = "\ufeff"


@dataclass(frozen=True)
class TextFile:
    """A text file as read: `text` with "\\n" line ends and no BOM, and how to write it back."""

    path: Path  # as the person named it
    target: Path  # where the bytes live (symlinks resolved)
    text: str
    newline: str = "\n"
    bom: bool = False
    original: bytes | None = None  # None: the file does not exist yet

    @classmethod
    def read(cls, path: str | Path) -> TextFile:
        """The file at `path`, or an empty new one. ExportError when it cannot be read as UTF-8."""
        path = Path(path)
        target = Path(os.path.realpath(path))
        try:
            raw = target.read_bytes() if target.is_file() else None
        except OSError as error:
            raise ExportError(f"cannot read {path}: {error.strerror or error}", hint="check its permissions") from error
        if raw is None:
            return cls(path, target, "")
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ExportError(
                f"{path} is not UTF-8 text (byte {error.start})", hint="save it as UTF-8, or export to another file"
            ) from error
        bom = decoded.startswith(BOM)
        decoded = decoded.removeprefix(BOM)
        newline = "\r\n" if "\r\n" in decoded else "\n"
        return cls(path, target, decoded.replace("\r\n", "\n"), newline, bom, raw)

    @property
    def exists(self) -> bool:
        return self.original is not None

    def encode(self, text: str) -> bytes:
        """`text` ("\\n" line ends) in this file's own line endings and BOM."""
        return ((BOM if self.bom else "") + text.replace("\n", self.newline)).encode("utf-8")


@dataclass(frozen=True)
class FileChange:
    """New text for a file read earlier; `summary` says what changes, for the person."""

    file: TextFile
    text: str
    summary: str

    @property
    def data(self) -> bytes:
        return self.file.encode(self.text)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write one file so that it is either the old one or the new one, never half (its line
    endings, BOM and symlink kept as `TextFile` reads them); missing folders are created."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _error(Path(path), error) from error
    file = TextFile.read(path)
    write_together([FileChange(file, text, "")])


def write_together(changes: list[FileChange]) -> None:
    """Write every change or none: ExportError naming the file and the reason, every target as it
    was. A target changed on disk since it was read is refused, not overwritten."""
    staged: list[tuple[FileChange, str]] = []
    try:
        for change in changes:
            _unchanged_since_read(change.file)
            staged.append((change, _stage(change)))
    except ExportError:
        _discard(tmp for _, tmp in staged)
        raise
    done: list[FileChange] = []
    for change, tmp in staged:
        try:
            os.replace(tmp, change.file.target)
        except OSError as error:
            _discard(tmp for _, tmp in staged[len(done) :])
            _restore(done)
            raise _error(change.file.path, error) from error
        done.append(change)
    for folder in {change.file.target.parent for change in changes}:
        _fsync_folder(folder)


def _unchanged_since_read(file: TextFile) -> None:
    try:
        now = file.target.read_bytes() if file.target.exists() else None
    except OSError as error:
        raise _error(file.path, error) from error
    if now != file.original:
        raise ExportError(
            f"{file.path} changed on disk while the export was prepared; nothing was written",
            hint="export again: the new content of the file will be kept",
        )


def _stage(change: FileChange) -> str:
    """The new bytes in a temporary file beside the target, fsynced, with the right mode."""
    target = change.file.target
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except FileNotFoundError as error:
        raise ExportError(
            f"cannot write {change.file.path}: the folder {target.parent} does not exist",
            hint="create the folder or choose another path",
        ) from error
    except OSError as error:
        raise _error(change.file.path, error) from error
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(change.data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, target.stat().st_mode & 0o7777 if change.file.exists else 0o666 & ~_umask())
    except OSError as error:
        _discard([tmp])
        raise _error(change.file.path, error) from error
    return tmp


def _restore(done: list[FileChange]) -> None:
    """Put back what the replaced targets held (best effort: we are already failing)."""
    for change in reversed(done):
        file = change.file
        with contextlib.suppress(OSError):
            if file.original is None:
                file.target.unlink()
                continue
            fd, tmp = tempfile.mkstemp(prefix=f".{file.target.name}.", suffix=".tmp", dir=file.target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(file.original)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, change.file.target.stat().st_mode & 0o7777)
            os.replace(tmp, file.target)


def _discard(paths) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _fsync_folder(folder: Path) -> None:
    """Make the renames durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _error(path: Path, error: OSError) -> ExportError:
    return ExportError(
        f"cannot write {path}: {error.strerror or error}",
        hint="free some disk space or choose a writable path, then retry; no file was changed",
    )
