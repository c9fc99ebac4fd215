"""`botcoach train`: read a project, train what changed, write one model archive.

What is trained follows Rasa: `train` trains NLU and core (only the half that has data when the
other has none), `train nlu` needs no domain, `train core` needs a domain and stories. Unless
forced, the newest archive in the output folder is compared by fingerprint: nothing changed
means it is reused as is; otherwise only the changed half is retrained and the other half's
state is copied from that archive.

Before anything is trained, the project is checked as `botcoach data validate` checks it:
training refuses what validation calls an error (unless told to skip validation, which it then
says), and always refuses what passes botcoach's limits. The newest archive is reused only if it
loads; one that does not is named and a new model is trained.

Core never prints: progress goes to a `TrainingObserver` the CLI implements.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.config import BotcoachConfig, NLUConfig, PolicyConfig, load_config
from core.domain import Domain, load_domain
from core.errors import DataError, ModelError
from core.fingerprint import Fingerprint, project_fingerprint
from core.model import (
    CORE_COMPONENT,
    NLU_COMPONENT,
    TrainedModel,
    core_components,
    ensemble_from_component,
    interpreter_from_component,
    load_model_contents,
    nlu_components,
    save_model,
)
from core.model_archive import ArchiveContents, ComponentState, new_archive_path, newest_archive
from core.nlu.interpreter import Interpreter
from core.nlu.model import NLUModelConfig
from core.policies.base import Policy
from core.policies.ensemble import PolicyEnsemble
from core.policies.memoization import AugmentedMemoizationPolicy, MemoizationPolicy
from core.policies.rules import RulePolicy
from core.policies.ted import TEDPolicy
from core.training_data.loader import TrainingData, load_training_data
from core.training_data.nlu_model import NLUData
from core.training_data.trackers import training_trackers
from core.training_observer import TrainingObserver
from core.validation import Report, check_data, limit_findings, validate

PARTS = ("nlu", "core")
# an intent with at most this fraction of the largest intent's examples is named in a warning
FEW_EXAMPLES_SHARE = 0.1
PART_COMPONENT = {"nlu": NLU_COMPONENT, "core": CORE_COMPONENT}


@dataclass
class Project:
    """Everything training reads, loaded once (the command and the tests share this)."""

    config: BotcoachConfig
    data: TrainingData
    domain: Domain | None = None

    def lookups(self) -> list:
        return [[t.name, list(t.elements)] for t in self.data.nlu.lookups]


@dataclass
class TrainResult:
    path: Path
    model: TrainedModel | None  # None when an unchanged archive was reused
    trained: list[str] = field(default_factory=list)  # parts trained now
    copied: list[str] = field(default_factory=list)  # parts taken from the previous archive
    reused: bool = False
    seconds: float = 0.0


def load_project(
    config_path: str | Path | None,
    domain_path: str | Path | None,
    data_paths: list[str | Path],
    subcommand: str | None = None,
) -> Project:
    """Read config and data, and the domain: `train nlu` needs none, nor does a `train` whose data
    has no stories, but when that project has a domain file it is read, so that training checks
    the NLU against it as `data validate` does."""
    config = load_config(config_path)
    data = load_training_data(list(data_paths))
    wants_core = subcommand == "core" or (subcommand is None and bool(data.stories))
    if domain_path is not None and subcommand is None and not wants_core:
        wants_core = Path(domain_path).exists()  # to check the NLU against it, not to train with it
    domain = load_domain(domain_path) if wants_core and domain_path is not None else None
    return Project(config, data, domain.with_nlu_responses(data.nlu) if domain is not None else None)


def parts_to_train(project: Project, subcommand: str | None) -> tuple[str, ...]:
    """Which halves to train; DataError when the data cannot support the request."""
    has_nlu = bool(project.data.nlu.examples)
    has_stories = bool(project.data.stories)
    files = ", ".join(str(p) for p in project.data.nlu_files + project.data.story_files) or "none"
    if subcommand == "nlu":
        if not has_nlu:
            raise DataError(
                "no NLU training examples found",
                hint=f"data files read: {files}; pass the NLU files with --nlu, e.g. data/nlu.yml",
            )
        return ("nlu",)
    if subcommand == "core" or (not has_nlu and has_stories):
        if not has_stories:
            raise DataError(
                "no stories or rules found",
                hint=f"data files read: {files}; pass the story files with --stories, e.g. data/stories.yml",
            )
        _require_domain(project)
        return ("core",)
    if not has_nlu:
        raise DataError(
            "no training data found (neither NLU examples nor stories)",
            hint=f"data files read: {files}; pass your data folder with --data",
        )
    if not has_stories:
        return ("nlu",)
    _require_domain(project)
    return PARTS


def _require_domain(project: Project) -> None:
    if project.domain is None:
        raise DataError("training the dialogue model needs a domain", hint="pass it with -d domain.yml")


def check_project(project: Project) -> Report:
    """What `data validate` reports on this project (only the data checks without a domain)."""
    if project.domain is None:
        return check_data(project.data)
    return validate(project.domain, project.data, project.config.policies.max_history)


def _check_before_training(project: Project, observer: TrainingObserver, skip_validation: bool) -> None:
    """Refuse past a limit (always) or on a validation error (unless skipped, which is said)."""
    limits = limit_findings(project.data, project.domain)
    for finding in limits:
        if finding.level == "error":
            raise DataError(finding.message, finding.location, finding.hint)
    errors = check_project(project).errors
    if errors and not skip_validation:
        shown = "\n".join("  " + str(e).replace("\n", "\n  ") for e in errors[:3])
        more = f"\n  ... and {len(errors) - 3} more" if len(errors) > 3 else ""
        raise DataError(
            f"validation found {len(errors)} error(s), so nothing was trained:\n{shown}{more}",
            hint="fix them (`botcoach data validate` lists them all), or pass --skip-validation to train anyway",
        )
    if errors:
        observer.warning(
            f"training despite {len(errors)} validation error(s), since validation was skipped; the first: "
            f"{str(errors[0]).splitlines()[0]}"
        )
    for finding in limits:
        observer.warning(finding.message)


def train(
    project: Project,
    parts: tuple[str, ...],
    out_dir: str | Path,
    *,
    fixed_name: str | None = None,
    force: bool = False,
    skip_validation: bool = False,
    observer: TrainingObserver | None = None,
) -> TrainResult:
    """Train `parts` (see `parts_to_train`) and write the archive into `out_dir`; DataError when
    the project does not validate (see `_check_before_training`)."""
    started = time.perf_counter()
    observer = observer or TrainingObserver()
    _check_before_training(project, observer, skip_validation)
    fingerprint = project_fingerprint(
        project.config,
        project.domain if "core" in parts else None,
        project.data.nlu_files,
        project.data.story_files,
        project.lookups(),
        parts,
    )
    previous = None if force else _previous(out_dir, observer)
    copyable = _copyable_parts(previous, fingerprint, parts)
    target = new_archive_path(out_dir, fixed_name)
    if (
        previous is not None
        and set(copyable) == set(parts) == set(previous[1].get("parts", []))
        and Fingerprint.from_dict(previous[1].get("fingerprint")).domain == fingerprint.domain
        and (fixed_name is None or target.resolve() == previous[0].resolve())
    ):
        return TrainResult(previous[0], None, reused=True, copied=list(parts), seconds=time.perf_counter() - started)

    model = TrainedModel(project.config, project.domain if "core" in parts else None, fingerprint=fingerprint)
    components = _old_states(previous, copyable)
    copied = [part for part in parts if PART_COMPONENT[part] in components]
    if "nlu" in parts:
        if "nlu" in copied:
            model.interpreter = interpreter_from_component(components[NLU_COMPONENT])
        else:
            model.interpreter = train_nlu(project, observer)
            components.update(nlu_components(model.interpreter))
    if "core" in parts:
        if "core" in copied:
            model.ensemble = ensemble_from_component(components[CORE_COMPONENT])
        else:
            model.ensemble = train_core(project, observer)
            components.update(core_components(model.ensemble))
    save_model(model, target, components)
    return TrainResult(
        target,
        model,
        trained=[p for p in parts if p not in copied],
        copied=copied,
        seconds=time.perf_counter() - started,
    )


Previous = tuple[Path, dict, ArchiveContents]  # the newest archive, its metadata and contents


def _old_states(previous: Previous | None, parts: list[str]) -> dict[str, ComponentState]:
    """The stored states of `parts` in the previous archive."""
    if previous is None or not parts:
        return {}
    stored = previous[2].components
    return {PART_COMPONENT[p]: stored[PART_COMPONENT[p]] for p in parts if PART_COMPONENT[p] in stored}


def _previous(out_dir: str | Path, observer: TrainingObserver) -> Previous | None:
    """The newest archive in `out_dir`, if it loads as a model (every member's hash checked, the
    models built); one that does not is named, and everything is trained anew."""
    newest = newest_archive(out_dir)
    if newest is None:
        return None
    try:
        _model, contents = load_model_contents(newest)
    except ModelError as error:
        observer.warning(f"the newest model cannot be loaded, so a new one is trained: {error.message}")
        return None
    return newest, contents.metadata, contents


def _copyable_parts(previous: Previous | None, fingerprint: Fingerprint, parts: tuple[str, ...]) -> list[str]:
    if previous is None:
        return []
    old_parts = previous[1].get("parts") or []
    old = Fingerprint.from_dict(previous[1].get("fingerprint"))
    matches = {"nlu": fingerprint.nlu_matches(old), "core": fingerprint.core_matches(old)}
    return [p for p in parts if p in old_parts and matches[p]]


# ---- the two halves -----------------------------------------------------------------------------


def nlu_model_config(nlu: NLUConfig) -> NLUModelConfig:
    """The NLU model's settings from the resolved config (architecture sizes stay the model's).

    A Rasa config's `epochs` and `learning_rate` are tuned for DIET (100 epochs at 0.001):
    our model keeps its own learning rate and adaptive schedule (it stops once it has learned
    its training data), and the config's epochs can only lower its ceiling (quick tests)."""
    low, high = nlu.char_ngram_range
    return NLUModelConfig(
        epochs=min(nlu.epochs, NLUModelConfig.epochs),
        seed=nlu.seed,
        word_ngram_max=nlu.word_ngram_max,
        char_ngram_min=low,
        char_ngram_max=high,
        use_regex_features=nlu.use_regex_features,
        use_lookup_features=nlu.use_lookup_features,
        case_sensitive=nlu.case_sensitive,
        hidden_dim=nlu.hidden_size,
        extract_entities=nlu.extract_entities,
        use_synonyms=nlu.use_synonyms,
        fallback_threshold=nlu.fallback_threshold,
        ambiguity_threshold=nlu.ambiguity_threshold,
    )


def few_example_intents(nlu: NLUData) -> str | None:
    """A warning naming the intents with very few examples beside a much larger one (a tenth
    of its examples or fewer), or None. Their messages tend to be answered with the large
    intent (retrieval intents count by their base name, as they are predicted)."""
    counts = Counter(e.intent.split("/", 1)[0] for e in nlu.examples if e.intent)
    if not counts:
        return None
    largest, most = counts.most_common(1)[0]
    few = sorted((n, name) for name, n in counts.items() if n <= FEW_EXAMPLES_SHARE * most)
    if not few:
        return None
    named = ", ".join(f"'{name}' ({n})" for n, name in few)
    return (
        f"intents with very few examples beside '{largest}' ({most} examples): {named}; "
        f"their messages tend to be taken for the larger intents: add examples to them"
    )


def train_nlu(project: Project, observer: TrainingObserver):
    warning = few_example_intents(project.data.nlu)
    if warning:
        observer.warning(warning)
    config = nlu_model_config(project.config.nlu)
    observer.stage("NLU", config.epochs)
    interpreter = Interpreter.train(
        project.data.nlu, config, on_epoch=lambda e, total, loss: observer.epoch("NLU", e, total, loss)
    )
    observer.done("NLU")
    return interpreter


def train_core(project: Project, observer: TrainingObserver):
    domain = project.domain
    if domain is None:
        raise DataError("training the dialogue model needs a domain", hint="pass it with -d domain.yml")
    warnings: list[str] = []
    trackers = training_trackers(project.data.stories, domain, seed=project.config.policies.seed, warnings=warnings)
    for warning in warnings:
        observer.warning(warning)
    ensemble = build_ensemble(project.config.policies, observer)
    if project.config.policies.ted:
        observer.stage("TEDPolicy", project.config.policies.ted_epochs)
    ensemble.train(trackers, domain)  # TED reports its epochs; the lookup policies take no time
    for policy in ensemble.policies:
        observer.done(policy.name)
    return ensemble


def build_ensemble(config: PolicyConfig, observer: TrainingObserver | None = None):
    """The policies the resolved config asks for, in Rasa's default order."""
    policies: list[Policy] = []
    if config.memoization:
        policies.append(MemoizationPolicy(config.max_history))
    if config.augmented_memoization:
        policies.append(AugmentedMemoizationPolicy(config.max_history))
    if config.ted:
        on_epoch = (lambda e, total, loss: observer.epoch(TEDPolicy.name, e, total, loss)) if observer else None
        policies.append(TEDPolicy.from_policy_config(config, on_epoch=on_epoch))
    if config.rules:
        policies.append(RulePolicy(config))
    return PolicyEnsemble(
        policies, config.core_fallback_threshold, config.core_fallback_action, config.enable_fallback_prediction
    )


def with_epochs(config: BotcoachConfig, nlu_epochs: int | None = None, ted_epochs: int | None = None) -> BotcoachConfig:
    """A copy with fewer epochs (tests and quick experiments); the fingerprint follows it."""
    nlu = replace(config.nlu, epochs=nlu_epochs) if nlu_epochs is not None else config.nlu
    policies = replace(config.policies, ted_epochs=ted_epochs) if ted_epochs is not None else config.policies
    return replace(config, nlu=nlu, policies=policies)
