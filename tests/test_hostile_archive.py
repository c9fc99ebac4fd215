"""Model archives that are damaged, crafted or huge: every member is checked against the hash
recorded at training, sizes, counts and JSON depth are bounded, `train` reuses a model only if it
loads, and reading needs no tarfile feature newer than Python 3.11.0."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from core import model_archive
from core.errors import ModelError
from core.limits import ARCHIVE_MAX_MEMBER_BYTES, ARCHIVE_MAX_MEMBERS, JSON_MAX_DEPTH
from core.model import load_model
from core.model_archive import METADATA_FILE, read_archive
from tests.conftest import COMPAT
from tui.cli import main as cli_main


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rasa's initial project, trained once by the real CLI."""
    root = tmp_path_factory.mktemp("hostile-archive") / "bot"
    shutil.copytree(COMPAT / "initial-project-3x", root, ignore=shutil.ignore_patterns("models", "tests"))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert cli_main(["train", "--quiet"]) == 0
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture
def project(trained: Path, tmp_path: Path) -> Path:
    root = tmp_path / "bot"
    shutil.copytree(trained, root)
    return root


def _archive(project: Path) -> Path:
    (archive,) = (project / "models").glob("*.tar.gz")
    return archive


def _members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive, "r:gz") as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers() if m.isreg()]


def _rewrite(archive: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        for member, content in members:
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))


def _train(project: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    cwd = os.getcwd()
    os.chdir(project)
    try:
        code = cli_main(["train", *flags])
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_train_retrains_when_the_newest_model_has_random_tensors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _archive(project)
    members = [(m, os.urandom(len(data)) if m.name.endswith("tensors.pt") else data) for m, data in _members(archive)]
    _rewrite(archive, members)
    with pytest.raises(ModelError, match="does not match the hash"):
        load_model(archive)
    code, out, err = _train(project, capsys)
    assert code == 0
    assert "Nothing changed" not in out and "Model saved" in out
    assert "the newest model cannot be loaded" in err and archive.name in err
    newest = max((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert newest != archive and load_model(newest).interpreter is not None
    code, out, _ = _train(project, capsys)  # and now the new one is reused: no retraining loop
    assert code == 0 and "Nothing changed" in out


def test_unchanged_project_with_a_sound_model_is_still_reused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _train(project, capsys)
    assert code == 0 and "Nothing changed" in out and "cannot be loaded" not in err


@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_a_flipped_byte_anywhere_is_detected(project: Path, where: float) -> None:
    archive = _archive(project)
    data = bytearray(archive.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="damaged"):
        read_archive(archive)


@pytest.mark.parametrize("cut", [8, 600, 5000])
def test_a_cut_tail_is_detected(project: Path, cut: int) -> None:
    archive = _archive(project)
    archive.write_bytes(archive.read_bytes()[:-cut])
    with pytest.raises(ModelError, match="damaged"):
        read_archive(archive)


def _raw_tar(entries: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    """Tar bytes whose headers may claim more than the data they carry."""
    out = io.BytesIO()
    for info, data in entries:
        out.write(info.tobuf(format=tarfile.GNU_FORMAT))
        out.write(data + b"\0" * (-len(data) % 512))
    out.write(b"\0" * 1024)
    return out.getvalue()


def test_a_member_claiming_two_gib_is_refused_before_reading(tmp_path: Path) -> None:
    info = tarfile.TarInfo("components/nlu/tensors.pt")
    info.size = 2 * 1024**3
    archive = tmp_path / "m.tar.gz"
    archive.write_bytes(gzip.compress(_raw_tar([(info, b"\0" * (4 << 20))])))
    with pytest.raises(ModelError, match=f"{ARCHIVE_MAX_MEMBER_BYTES // 2**20} MiB, the limit for one member"):
        read_archive(archive)


def test_a_gzip_bomb_stops_at_the_unpacked_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_archive, "ARCHIVE_MAX_BYTES", 1 << 20)  # the mechanism, at a small scale
    info = tarfile.TarInfo("config.yml")
    info.size = 4 << 20
    archive = tmp_path / "m.tar.gz"
    archive.write_bytes(gzip.compress(_raw_tar([(info, b"\0" * info.size)])))
    assert archive.stat().st_size < 20_000
    with pytest.raises(ModelError, match="unpacks to more than 1 MiB"):
        read_archive(archive)


def test_huge_and_deep_metadata_are_refused(tmp_path: Path) -> None:
    info = tarfile.TarInfo(METADATA_FILE)
    info.size = 1024**3
    archive = tmp_path / "big.tar.gz"
    archive.write_bytes(gzip.compress(_raw_tar([(info, b"{")])))
    with pytest.raises(ModelError, match="1 MiB, the limit"):
        read_archive(archive)
    deep = b"[" * 200_000 + b"]" * 200_000
    info = tarfile.TarInfo(METADATA_FILE)
    info.size = len(deep)
    archive = tmp_path / "deep.tar.gz"
    archive.write_bytes(gzip.compress(_raw_tar([(info, deep)])))
    with pytest.raises(ModelError, match=f"deeper than {JSON_MAX_DEPTH} levels"):
        read_archive(archive)


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    entries = []
    for n in range(100_000):
        info = tarfile.TarInfo(f"m{n}")
        info.size = 0
        entries.append((info, b""))
    archive = tmp_path / "many.tar.gz"
    archive.write_bytes(gzip.compress(_raw_tar(entries)))
    with pytest.raises(ModelError, match=f"more than {ARCHIVE_MAX_MEMBERS}"):
        read_archive(archive)


def test_a_member_not_listed_or_missing_is_named(project: Path) -> None:
    archive = _archive(project)
    members = _members(archive)
    _rewrite(archive, [*members, (tarfile.TarInfo("components/nlu/extra.json"), b"{}")])
    with pytest.raises(ModelError, match=r"extra\.json"):
        read_archive(archive)
    _rewrite(archive, [(m, d) for m, d in members if m.name != "domain.yml"])
    with pytest.raises(ModelError, match=r"domain\.yml is missing"):
        read_archive(archive)


def test_an_archive_without_hashes_is_retrained(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = _archive(project)
    members = []
    for member, data in _members(archive):
        if member.name == METADATA_FILE:
            metadata = json.loads(data)
            metadata["format"] = 1
            del metadata["members"]
            data = json.dumps(metadata).encode()
        members.append((member, data))
    _rewrite(archive, members)
    with pytest.raises(ModelError, match="no content hashes"):
        read_archive(archive)
    code, out, err = _train(project, capsys)
    assert code == 0 and "Model saved" in out and "no content hashes" in err


def test_models_load_where_tarfile_has_no_extraction_filter(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11.0-3.11.3 have no `filter=` on extractall/extract: simulate that."""

    def without_filter(real):
        def call(self, *args, **kwargs):
            if "filter" in kwargs:
                raise TypeError(f"{real.__name__}() got an unexpected keyword argument 'filter'")
            return real(self, *args, **kwargs)

        return call

    monkeypatch.setattr(tarfile.TarFile, "extractall", without_filter(tarfile.TarFile.extractall))
    monkeypatch.setattr(tarfile.TarFile, "extract", without_filter(tarfile.TarFile.extract))
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    model = load_model(_archive(project))
    assert model.interpreter is not None and model.ensemble is not None
    assert model.interpreter.parse("hello")["intent"]["name"]
