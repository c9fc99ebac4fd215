"""What a trained model was trained from, as hashes, so `botcoach train` can skip unchanged work.

Each part hashes only what its training depends on, so a change retrains only the part it
touches: NLU depends on the NLU settings and the NLU files; core on the policy settings, the
domain (without the texts of its responses, which no policy reads) and the story/rule files. Settings are
hashed after resolving (a comment or a reordered key changes nothing); data files by content
(moving the project changes nothing).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from core.config import BotcoachConfig
from core.domain import Domain, write_domain
from core.errors import DataError, Location


def botcoach_version() -> str:
    try:
        return version("botcoach")
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class Fingerprint:
    """One hash per input; an empty string means "not part of this model"."""

    version: str = ""
    nlu_config: str = ""
    core_config: str = ""
    domain: str = ""  # the whole domain, responses included: written into the archive
    domain_core: str = ""  # what policies see of the domain
    nlu_data: str = ""
    stories: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Fingerprint:
        """Tolerant of older or foreign metadata: unknown keys are dropped, missing ones empty."""
        if not isinstance(data, dict):
            return cls()
        names = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in data.items() if k in names})

    def nlu_matches(self, other: Fingerprint) -> bool:
        return bool(self.nlu_data) and (self.version, self.nlu_config, self.nlu_data) == (
            other.version,
            other.nlu_config,
            other.nlu_data,
        )

    def core_matches(self, other: Fingerprint) -> bool:
        return bool(self.core_config) and (self.version, self.core_config, self.domain_core, self.stories) == (
            other.version,
            other.core_config,
            other.domain_core,
            other.stories,
        )


def digest(value: Any) -> str:
    """sha256 of a JSON-able value (keys sorted) or of bytes."""
    data = value if isinstance(value, bytes) else json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(data).hexdigest()


def files_digest(paths: list[Path], extra: Any = None) -> str:
    """Hash of the files' contents in order (names left out), plus `extra` content they point to."""
    h = hashlib.sha256()
    for path in paths:
        try:
            h.update(hashlib.sha256(Path(path).read_bytes()).digest())
        except OSError as exc:
            raise DataError(
                f"cannot read {path}: {exc.strerror or exc}",
                Location(path),
                "check that the file exists and is readable",
            ) from exc
    if extra is not None:
        h.update(digest(extra).encode())
    return h.hexdigest()


def nlu_config_digest(config: BotcoachConfig) -> str:
    return digest({"language": config.language, "nlu": asdict(config.nlu)})


def core_config_digest(config: BotcoachConfig) -> str:
    return digest(asdict(config.policies))


def domain_digests(domain: Domain | None) -> tuple[str, str]:
    """(whole domain, domain as policies see it); empty strings without a domain.

    Policies see response *names* (each is an action) but never their texts.
    """
    if domain is None:
        return "", ""
    names_only = replace(domain, responses={name: [] for name in domain.responses})
    return digest(write_domain(domain).encode()), digest(write_domain(names_only).encode())


def project_fingerprint(
    config: BotcoachConfig,
    domain: Domain | None,
    nlu_files: list[Path],
    story_files: list[Path],
    lookups: Any = None,
    parts: tuple[str, ...] = ("nlu", "core"),
) -> Fingerprint:
    """The fingerprint of the parts about to be trained (the others stay empty).

    `lookups` are the NLU lookup tables: a 1.x table can live in a file of its own that is not
    among the data files, so its elements are hashed as well.
    """
    whole, for_core = domain_digests(domain)
    nlu = "nlu" in parts
    core = "core" in parts
    return Fingerprint(
        version=botcoach_version(),
        nlu_config=nlu_config_digest(config) if nlu else "",
        core_config=core_config_digest(config) if core else "",
        domain=whole,
        domain_core=for_core if core else "",
        nlu_data=files_digest(nlu_files, lookups) if nlu else "",
        stories=files_digest(story_files) if core else "",
    )
