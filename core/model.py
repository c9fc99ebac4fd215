"""A trained model in memory (domain, config, NLU interpreter, policy ensemble) and its archive form.

`TrainedModel` is what training produces and what the runtime, `botcoach shell` and the
interactive app load; it knows nothing of agents or channels. An NLU-only model has no domain
and no ensemble; a core-only model has no interpreter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import BotcoachConfig, NLUConfig, PolicyConfig
from core.domain import Domain, read_domain, write_domain
from core.errors import BotcoachError, ModelError
from core.fingerprint import Fingerprint, botcoach_version
from core.model_archive import (
    TRAIN_HINT,
    ArchiveContents,
    ComponentState,
    read_archive,
    resolve_model_path,
    write_archive,
)
from core.nlu.interpreter import Interpreter
from core.nlu.interpreter_state import interpreter_from_state, interpreter_state
from core.policies.ensemble import PolicyEnsemble
from core.yamlio import dump_yaml

NLU_COMPONENT = "nlu"
CORE_COMPONENT = "core"


@dataclass
class TrainedModel:
    config: BotcoachConfig
    domain: Domain | None = None
    interpreter: Interpreter | None = None
    ensemble: PolicyEnsemble | None = None
    fingerprint: Fingerprint = field(default_factory=Fingerprint)
    created: str = ""
    path: Path | None = None  # the archive it was loaded from or saved to

    @property
    def parts(self) -> list[str]:
        return [name for name, present in (("nlu", self.interpreter), ("core", self.ensemble)) if present]


# ---- to and from archive contents ---------------------------------------------------------------


def nlu_components(interpreter: Interpreter) -> dict[str, ComponentState]:
    meta, tensors = interpreter_state(interpreter)
    return {NLU_COMPONENT: ComponentState("nlu", meta, tensors)}


def core_components(ensemble: PolicyEnsemble) -> dict[str, ComponentState]:
    meta, tensors = ensemble.to_state()
    return {CORE_COMPONENT: ComponentState("ensemble", meta, tensors)}


def model_contents(model: TrainedModel, components: dict[str, ComponentState] | None = None) -> ArchiveContents:
    """The archive form of `model`; `components` may hold states copied from an older archive."""
    if components is None:
        components = {}
        if model.interpreter is not None:
            components.update(nlu_components(model.interpreter))
        if model.ensemble is not None:
            components.update(core_components(model.ensemble))
    metadata = {
        "botcoach_version": botcoach_version(),
        "created": model.created or datetime.now(UTC).isoformat(timespec="seconds"),
        "fingerprint": model.fingerprint.to_dict(),
        "parts": model.parts,
        "language": model.config.language,
        "component_summary": {name: _summary(c) for name, c in components.items()},
    }
    return ArchiveContents(
        metadata=metadata,
        config_text=dump_yaml(model.config.raw) if model.config.raw else "",
        resolved_config=config_to_dict(model.config),
        domain_text=write_domain(model.domain) if model.domain is not None and model.ensemble is not None else None,
        components=components,
    )


def _summary(component: ComponentState) -> dict[str, Any]:
    """A few readable facts for people looking inside metadata.json."""
    meta = component.meta
    if component.kind == "nlu":
        return {"intents": len(meta.get("intents", [])), "entity_labels": len(meta.get("labels", []))}
    return {"policies": [p.get("policy") for p in meta.get("policies", []) if isinstance(p, dict)]}


def save_model(model: TrainedModel, path: str | Path, components: dict[str, ComponentState] | None = None) -> Path:
    model.path = write_archive(path, model_contents(model, components))
    return model.path


def load_model(path: str | Path | None) -> TrainedModel:
    """Load an archive (or the newest one in a folder); ModelError when it cannot be used."""
    return load_model_contents(path)[0]


def load_model_contents(path: str | Path | None) -> tuple[TrainedModel, ArchiveContents]:
    """The model and the archive contents it was built from; ModelError when it cannot be used."""
    archive = resolve_model_path(path)
    contents = read_archive(archive)
    try:
        return model_from_contents(contents, archive), contents
    except ModelError:
        raise
    except BotcoachError as exc:
        raise ModelError(f"{archive}: the stored model cannot be used: {exc.message}", hint=TRAIN_HINT) from exc
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as exc:
        raise ModelError(
            f"{archive}: the stored model does not fit this botcoach ({type(exc).__name__}: {exc})", hint=TRAIN_HINT
        ) from exc


def model_from_contents(contents: ArchiveContents, archive: Path | None = None) -> TrainedModel:
    metadata = contents.metadata
    model = TrainedModel(
        config=config_from_dict(contents.resolved_config),
        fingerprint=Fingerprint.from_dict(metadata.get("fingerprint")),
        created=str(metadata.get("created", "")),
        path=archive,
    )
    if contents.domain_text is not None:
        model.domain = read_domain(contents.domain_text, f"{archive or 'model'}:domain.yml")
    nlu = contents.components.get(NLU_COMPONENT)
    if nlu is not None:
        model.interpreter = interpreter_from_component(nlu)
    core = contents.components.get(CORE_COMPONENT)
    if core is not None:
        if model.domain is None:
            raise ModelError(f"{archive}: the dialogue model has no domain.yml beside it", hint=TRAIN_HINT)
        model.ensemble = ensemble_from_component(core)
    return model


def interpreter_from_component(component: ComponentState) -> Interpreter:
    return interpreter_from_state(component.meta, component.tensors)


def ensemble_from_component(component: ComponentState) -> PolicyEnsemble:
    return PolicyEnsemble.from_state(component.meta, component.tensors)


# ---- the resolved config as JSON ----------------------------------------------------------------


def config_to_dict(config: BotcoachConfig) -> dict[str, Any]:
    return asdict(config)


def config_from_dict(data: Any) -> BotcoachConfig:
    """The resolved config stored in an archive; keys this version does not know are ignored."""
    if not isinstance(data, dict):
        raise ModelError("the stored config.json is not a mapping", hint=TRAIN_HINT)
    nlu = _dataclass_from(NLUConfig, data.get("nlu"))
    if isinstance(nlu.char_ngram_range, list):
        nlu.char_ngram_range = tuple(nlu.char_ngram_range)
    top = {k: v for k, v in data.items() if k not in ("nlu", "policies")}
    config = _dataclass_from(BotcoachConfig, top)
    config.nlu, config.policies = nlu, _dataclass_from(PolicyConfig, data.get("policies"))
    return config


def _dataclass_from(cls: type, data: Any) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in (data or {}).items() if k in names})
