"""The model archive: round trip, names, `-m` resolution, and refusal of tampered archives."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import torch

from core.errors import ModelError
from core.fingerprint import Fingerprint, files_digest
from core.model import load_model
from core.model_archive import (
    ArchiveContents,
    ComponentState,
    new_archive_path,
    read_archive,
    read_metadata,
    resolve_model_path,
    write_archive,
)


def _contents() -> ArchiveContents:
    torch.manual_seed(0)
    return ArchiveContents(
        metadata={"botcoach_version": "test", "parts": ["nlu"], "fingerprint": Fingerprint(nlu_data="abc").to_dict()},
        config_text="language: en\n",
        resolved_config={"language": "en", "nlu": {"epochs": 3}},
        domain_text="version: '3.1'\nintents:\n- greet\n",
        components={
            "nlu": ComponentState(
                "nlu",
                {"intents": ["greet", "bye"], "vocab": {"hi": 1}},
                {"w": torch.randn(3, 4), "b": torch.zeros(4, dtype=torch.int64)},
            ),
            "memoization": ComponentState("memoization", {"lookup": {"[]": "action_listen"}}, {}),
        },
    )


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    contents = _contents()
    path = write_archive(tmp_path / "models" / "m.tar.gz", contents)
    loaded = read_archive(path)
    assert loaded.config_text == contents.config_text
    assert loaded.resolved_config == contents.resolved_config
    assert loaded.domain_text == contents.domain_text
    assert loaded.metadata["parts"] == ["nlu"]
    assert Fingerprint.from_dict(loaded.metadata["fingerprint"]).nlu_data == "abc"
    assert set(loaded.components) == {"nlu", "memoization"}
    nlu = loaded.components["nlu"]
    assert nlu.kind == "nlu" and nlu.meta == contents.components["nlu"].meta
    for key, tensor in contents.components["nlu"].tensors.items():
        assert torch.equal(nlu.tensors[key], tensor) and nlu.tensors[key].dtype == tensor.dtype
    assert read_metadata(path)["components"]["nlu"]["tensor_count"] == 2
    assert [p.name for p in path.parent.iterdir()] == ["m.tar.gz"]  # no temp file left behind


def test_nlu_only_archive_has_no_domain(tmp_path: Path) -> None:
    contents = _contents()
    contents.domain_text = None
    loaded = read_archive(write_archive(tmp_path / "m.tar.gz", contents))
    assert loaded.domain_text is None


def test_archive_names(tmp_path: Path) -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9)
    first = new_archive_path(tmp_path, now=moment)
    assert first.name == "20240506-070809.tar.gz"
    first.write_bytes(b"")
    assert new_archive_path(tmp_path, now=moment).name == "20240506-070809-2.tar.gz"
    assert new_archive_path(tmp_path, "mybot").name == "mybot.tar.gz"
    assert new_archive_path(tmp_path, "mybot.tar.gz").name == "mybot.tar.gz"


def test_resolve_model_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="model not found") as error:
        resolve_model_path(tmp_path / "missing")
    assert "botcoach train" in str(error.value)
    with pytest.raises(ModelError, match=r"no model archive \(\*\.tar\.gz\)"):
        resolve_model_path(tmp_path)
    old = write_archive(tmp_path / "zzz-old.tar.gz", _contents())
    new = write_archive(tmp_path / "aaa-new.tar.gz", _contents())
    os.utime(old, (1_000_000, 1_000_000))
    assert resolve_model_path(tmp_path) == new
    assert resolve_model_path(old) == old


def _tampered(path: Path, name: str, data: bytes = b"evil", kind: bytes = tarfile.REGTYPE, link: str = "") -> Path:
    """A real botcoach archive plus one hostile member."""
    write_archive(path, _contents())
    with tarfile.open(path, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(path, "w:gz") as tar:
        for member, content in members:
            tar.addfile(member, io.BytesIO(content))
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = link
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    with tarfile.open(path, "r:gz") as tar:
        assert name in tar.getnames()  # the hostile name really is in the archive
    return path


def test_member_climbing_out_is_refused(tmp_path: Path) -> None:
    unique = f"evil-{uuid.uuid4().hex}"
    archive = _tampered(tmp_path / "m.tar.gz", f"../{unique}")
    with pytest.raises(ModelError, match="climbs out") as error:
        read_archive(archive)
    assert str(archive) in str(error.value) and "fix:" in str(error.value)
    assert not (tmp_path / unique).exists() and not (Path(tempfile.gettempdir()) / unique).exists()


def test_absolute_member_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "abs-evil"
    archive = _tampered(tmp_path / "m.tar.gz", str(outside))
    with pytest.raises(ModelError, match="absolute path"):
        read_archive(archive)
    assert not outside.exists() and not outside.parent.exists()


@pytest.mark.parametrize(
    "kind, what",
    [(tarfile.SYMTYPE, "link"), (tarfile.LNKTYPE, "link"), (tarfile.CHRTYPE, "device"), (tarfile.FIFOTYPE, "special")],
)
def test_links_and_devices_are_refused(tmp_path: Path, kind: bytes, what: str) -> None:
    archive = _tampered(tmp_path / "m.tar.gz", "components/nlu/extra", kind=kind, link="/etc/passwd")
    with pytest.raises(ModelError, match=what):
        read_archive(archive)


class _Payload:
    """Pickles to a call that creates `marker` when unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickle_payload_in_tensor_file_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(2), "x": _Payload(marker)}, buffer)
    archive = tmp_path / "m.tar.gz"
    write_archive(archive, _contents())
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    payload = buffer.getvalue()
    with tarfile.open(archive, "w:gz") as tar:
        for member, content in members:
            if member.name == "metadata.json":  # the attacker records the payload's hash too
                metadata = json.loads(content)
                metadata["members"]["components/nlu/tensors.pt"] = hashlib.sha256(payload).hexdigest()
                content = json.dumps(metadata).encode()
            if member.name == "components/nlu/tensors.pt":
                content = payload
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))
    with pytest.raises(ModelError, match="refused to load components/nlu/tensors.pt") as error:
        read_archive(archive)
    assert "tampered" in str(error.value)
    assert not marker.exists()


@pytest.mark.parametrize("garbage", [b"", b"not a tarball at all", b"\x1f\x8b\x08\x00broken gzip"])
def test_garbage_is_a_model_error(tmp_path: Path, garbage: bytes) -> None:
    archive = tmp_path / "m.tar.gz"
    archive.write_bytes(garbage)
    with pytest.raises(ModelError, match="damaged"):
        read_archive(archive)
    with pytest.raises(ModelError, match="damaged"):
        read_metadata(archive)


def test_missing_member_and_newer_format(tmp_path: Path) -> None:
    archive = tmp_path / "m.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b'{"format": 99}'
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ModelError, match="format 99"):
        read_archive(archive)
    contents = _contents()
    write_archive(archive, contents)
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers() if m.name != "config.json"]
    with tarfile.open(archive, "w:gz") as tar:
        for member, content in members:
            tar.addfile(member, io.BytesIO(content))
    with pytest.raises(ModelError, match="config.json is missing"):
        read_archive(archive)


def test_files_digest_follows_content_not_names(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text("nlu: []\n")
    b.write_text("nlu: []\n")
    assert files_digest([a]) == files_digest([b])
    b.write_text("nlu: [x]\n")
    assert files_digest([a]) != files_digest([b])
    assert files_digest([a], extra=[["plates", ["x"]]]) != files_digest([a])


def test_fingerprint_matching() -> None:
    base = Fingerprint(
        version="1", nlu_config="n", core_config="c", domain="d", domain_core="dc", nlu_data="nd", stories="s"
    )
    assert base.nlu_matches(base) and base.core_matches(base)
    responses_only = Fingerprint(**{**base.to_dict(), "domain": "d2"})
    assert base.nlu_matches(responses_only) and base.core_matches(responses_only)
    assert not base.core_matches(Fingerprint(**{**base.to_dict(), "stories": "s2"}))
    assert base.core_matches(Fingerprint(**{**base.to_dict(), "nlu_data": "x"}))
    assert not base.nlu_matches(Fingerprint(**{**base.to_dict(), "nlu_config": "x"}))
    assert not base.nlu_matches(Fingerprint(**{**base.to_dict(), "version": "2"}))
    assert not Fingerprint().nlu_matches(Fingerprint())  # an absent part never matches
    assert Fingerprint.from_dict({"nlu_data": "x", "unknown": 1}) == Fingerprint(nlu_data="x")
    assert Fingerprint.from_dict(None) == Fingerprint()


def test_numpy_arrays_come_back_as_numpy(tmp_path: Path) -> None:
    contents = _contents()
    table = np.arange(6, dtype=np.int32).reshape(2, 3)
    contents.components["memoization"].tensors["table"] = table
    loaded = read_archive(write_archive(tmp_path / "m.tar.gz", contents)).components["memoization"]
    assert isinstance(loaded.tensors["table"], np.ndarray)
    assert loaded.tensors["table"].dtype == np.int32 and (loaded.tensors["table"] == table).all()


def test_load_model_turns_a_foreign_component_into_a_model_error(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "m.tar.gz", _contents())  # "nlu" holds a fake component
    with pytest.raises(ModelError, match="does not fit this botcoach") as error:
        load_model(archive)
    assert "botcoach train" in str(error.value)
