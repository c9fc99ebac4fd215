"""Read a Rasa `config.yml` (1.x, 2.x or 3.x) into botcoach's own, much smaller configuration.

Rasa describes *which components* to run; botcoach always runs its own tokenizer, featurizer and
torch models, so what matters is the behaviour each component asks for (entity extraction, NLU
fallback, synonyms, rules, memoization...) and the few hyperparameters that carry over (epochs,
n-gram ranges, max_history, thresholds, seeds).

Two kinds of setting are treated differently, on purpose:
- behaviour follows presence: once a pipeline (or policy list) is given, a behaviour whose
  component is absent is off, as it would be in Rasa (no FallbackClassifier: never fall back);
- hyperparameters follow explicit values: a key the user did not set keeps botcoach's default,
  because Rasa's defaults were tuned for Rasa's models, not ours.
An empty or commented-out `pipeline:`/`policies:` means "the defaults", as in Rasa 3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import DataError, Location
from core.yamlio import load_yaml, location_of, read_text, to_plain


@dataclass
class NLUConfig:
    """Hyperparameters and behaviours of botcoach's joint intent/entity model."""

    epochs: int = 40
    hidden_size: int = 128
    word_ngram_max: int = 2
    char_ngram_range: tuple[int, int] = (2, 5)  # char_wb style: n-grams of each padded word
    use_regex_features: bool = True
    use_lookup_features: bool = True
    extract_entities: bool = True
    fallback_threshold: float = 0.3  # 0.0 = never predict nlu_fallback
    ambiguity_threshold: float = 0.1
    use_synonyms: bool = True
    seed: int = 42
    case_sensitive: bool = False


@dataclass
class PolicyConfig:
    """Which dialogue policies run, and how."""

    max_history: int = 5
    memoization: bool = True
    augmented_memoization: bool = False
    rules: bool = True
    ted: bool = True
    ted_epochs: int = 60
    core_fallback_threshold: float = 0.3
    core_fallback_action: str = "action_default_fallback"
    enable_fallback_prediction: bool = True
    nlu_fallback_action: str | None = None  # 1.x FallbackPolicy: the action after an `nlu_fallback` message
    restrict_rules: bool = True
    check_for_contradictions: bool = True
    max_predictions: int = 10
    seed: int = 42


@dataclass
class BotcoachConfig:
    language: str = "en"
    nlu: NLUConfig = field(default_factory=NLUConfig)
    policies: PolicyConfig = field(default_factory=PolicyConfig)
    warnings: list[str] = field(default_factory=list)  # behaviour the user asked for that we lack
    notes: list[str] = field(default_factory=list)  # informational: a component we replace
    assistant_id: str | None = None
    recipe: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    file: str | None = None


PIPELINE_TEMPLATES: dict[str, list[str | dict[str, Any]]] = {
    "supervised_embeddings": [
        "WhitespaceTokenizer",
        "RegexFeaturizer",
        "CRFEntityExtractor",
        "EntitySynonymMapper",
        "CountVectorsFeaturizer",
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        "EmbeddingIntentClassifier",
    ],
    "pretrained_embeddings_spacy": [
        "SpacyNLP",
        "SpacyTokenizer",
        "SpacyFeaturizer",
        "RegexFeaturizer",
        "CRFEntityExtractor",
        "EntitySynonymMapper",
        "SklearnIntentClassifier",
    ],
    "pretrained_embeddings_convert": ["WhitespaceTokenizer", "ConveRTFeaturizer", "EmbeddingIntentClassifier"],
    "keyword": ["KeywordIntentClassifier"],
}
TEMPLATE_ALIASES = {"spacy_sklearn": "pretrained_embeddings_spacy", "tensorflow_embedding": "supervised_embeddings"}

OLD_STYLE_NAMES = {  # Rasa 0.x names that 1.x still accepted
    "nlp_spacy": "SpacyNLP",
    "nlp_mitie": "MitieNLP",
    "ner_spacy": "SpacyEntityExtractor",
    "ner_mitie": "MitieEntityExtractor",
    "ner_crf": "CRFEntityExtractor",
    "ner_duckling_http": "DucklingHTTPExtractor",
    "ner_synonyms": "EntitySynonymMapper",
    "intent_featurizer_spacy": "SpacyFeaturizer",
    "intent_featurizer_mitie": "MitieFeaturizer",
    "intent_featurizer_ngrams": "NGramFeaturizer",
    "intent_entity_featurizer_regex": "RegexFeaturizer",
    "intent_featurizer_count_vectors": "CountVectorsFeaturizer",
    "tokenizer_mitie": "MitieTokenizer",
    "tokenizer_spacy": "SpacyTokenizer",
    "tokenizer_whitespace": "WhitespaceTokenizer",
    "tokenizer_jieba": "JiebaTokenizer",
    "intent_classifier_sklearn": "SklearnIntentClassifier",
    "intent_classifier_mitie": "MitieIntentClassifier",
    "intent_classifier_keyword": "KeywordIntentClassifier",
    "intent_classifier_tensorflow_embedding": "EmbeddingIntentClassifier",
}

PRETRAINED = {
    "SpacyNLP",
    "SpacyTokenizer",
    "SpacyFeaturizer",
    "MitieNLP",
    "MitieTokenizer",
    "MitieFeaturizer",
    "ConveRTTokenizer",
    "ConveRTFeaturizer",
    "LanguageModelTokenizer",
    "LanguageModelFeaturizer",
    "HFTransformersNLP",
}
REPLACED_CLASSIFIERS = {
    "EmbeddingIntentClassifier",
    "SklearnIntentClassifier",
    "MitieIntentClassifier",
    "LogisticRegressionClassifier",
    "KeywordIntentClassifier",
    "ResponseSelector",
}
SILENT = {"LexicalSyntacticFeaturizer", "NGramFeaturizer"}
TOP_LEVEL_KEYS = {
    "version",  # Rasa 3 projects often carry their data files' `version: "3.1"` here too; Rasa ignores it
    "language",
    "pipeline",
    "policies",
    "recipe",
    "assistant_id",
    "data",
    "additional_languages",
}
# Components that need a service or model botcoach does not run, and what is lost without them.
SKIPPED_EXTRACTORS = {
    "DucklingEntityExtractor": "Duckling's entities (numbers, dates, amounts...)",
    "DucklingHTTPExtractor": "Duckling's entities (numbers, dates, amounts...)",
    "SpacyEntityExtractor": "spaCy's pretrained entities (PERSON, GPE...)",
}
# Settings Rasa's components take that botcoach's models have no use for: (component or None for
# any, key) -> why. A value given for one is ignored, with one warning per file naming them all.
IGNORED_KEYS = {
    (None, "intent_tokenization_flag"): "botcoach classifies each intent name whole (greet+ask is one intent)",
    (None, "intent_split_symbol"): "botcoach classifies each intent name whole (greet+ask is one intent)",
    ("DIETClassifier", "learning_rate"): "botcoach's NLU model keeps its own learning rate and schedule",
    ("EmbeddingIntentClassifier", "learning_rate"): "botcoach's NLU model keeps its own learning rate and schedule",
    ("DIETClassifier", "embedding_dimension"): "botcoach's NLU model keeps its own embedding sizes",
    ("EmbeddingIntentClassifier", "embed_dim"): "botcoach's NLU model keeps its own embedding sizes",
}


class _Reader:
    """One pass over a parsed config document; collects settings, warnings and notes."""

    def __init__(self, doc: dict, file: str | None):
        self.doc, self.file = doc, file
        self.config = BotcoachConfig(file=file)
        self.nlu, self.pol = self.config.nlu, self.config.policies
        self.max_histories: list[int] = []
        self.skipped: list[tuple[str, Location]] = []
        self.ignored: list[tuple[str, str, Location]] = []  # (component, key or "", where)
        self._nlu_seen = self._policies_seen = False

    # -- messages and typed parameters --------------------------------------------------------
    def where(self, node: Any, key: Any = None) -> Location:
        """File and line only: a component is found by its line; columns add noise to warnings."""
        loc = location_of(node, key, self.file)
        return Location(loc.file, loc.line)

    def warn(self, loc: Location, message: str) -> None:
        self.config.warnings.append(f"{loc}: {message}")

    def note(self, loc: Location, message: str) -> None:
        self.config.notes.append(f"{loc}: {message}")

    def param(self, item: dict, key: str, kind: type, low: float | None = None, high: float | None = None) -> Any:
        """item[key] checked for type and range, or None when absent; a bad value is a DataError."""
        if key not in item or item[key] is None:
            return None
        value = item[key]
        if kind is bool and isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        elif kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        elif kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if (ok and low is not None and value < low) or (ok and high is not None and value > high):
            ok = False
        if not ok:
            bounds = f" between {low} and {high}" if high is not None else (f" >= {low}" if low is not None else "")
            raise DataError(
                f"'{key}' must be a {kind.__name__}{bounds}, not {item[key]!r}",
                self.where(item, key),
                f"give '{key}' a {kind.__name__} value{bounds}, or remove it to use the default",
            )
        return value

    # -- top level -------------------------------------------------------------------------------
    def read(self) -> BotcoachConfig:
        cfg, doc = self.config, self.doc
        cfg.raw = to_plain(doc)
        for key in doc:
            if key not in TOP_LEVEL_KEYS:
                self.warn(self.where(doc, key), f"unknown key '{key}' is ignored")
        language = doc.get("language")
        cfg.language = str(language) if language not in (None, "") else "en"
        if doc.get("assistant_id") is not None:
            cfg.assistant_id = str(doc["assistant_id"])
        if doc.get("recipe") is not None:
            cfg.recipe = str(doc["recipe"])
            if cfg.recipe != "default.v1":
                self.warn(
                    self.where(doc, "recipe"),
                    f"recipe '{cfg.recipe}' is not supported; only the pipeline and policies keys are read",
                )
        for component, item, loc in self.components("pipeline"):
            self.nlu_component(component, item, loc)
        for component, item, loc in self.components("policies"):
            self.policy_component(component, item, loc)
        self.finish_max_history()
        self.finish_skipped()
        self.finish_ignored()
        return cfg

    def components(self, key: str) -> list[tuple[str, dict, Location]]:
        """(canonical name, parameters, location) per listed component; [] means "use defaults"."""
        value = self.doc.get(key)
        key_loc = self.where(self.doc, key)
        if value is None or value == [] or value == "":
            return []
        if key == "pipeline" and isinstance(value, str):
            name = TEMPLATE_ALIASES.get(value, value)
            if name not in PIPELINE_TEMPLATES:
                raise DataError(
                    f"unknown pipeline template '{value}'",
                    key_loc,
                    f"use one of {', '.join(PIPELINE_TEMPLATES)} or list the components",
                )
            self.note(key_loc, f"pipeline template '{value}' expanded to its components")
            items: list[Any] = [c if isinstance(c, dict) else {"name": c} for c in PIPELINE_TEMPLATES[name]]
            return [(self.canonical(i["name"], key_loc), i, key_loc) for i in items]
        if not isinstance(value, list):
            raise DataError(
                f"'{key}' must be a list of components, not a {type(value).__name__}",
                key_loc,
                f"write each component as '- name: ComponentName' under '{key}:'"
                + (" or give a template name" if key == "pipeline" else ""),
            )
        found = []
        for index, item in enumerate(value):
            loc = self.where(value, index)
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
                raise DataError(
                    f"{key} entry {index + 1} has no component name", loc, "write it as '- name: ComponentName'"
                )
            found.append((self.canonical(item["name"], loc), item, loc))
        return found

    def canonical(self, name: str, loc: Location) -> str:
        """Rasa's own class paths and 0.x names resolve to the component name; others stay as written."""
        if name in OLD_STYLE_NAMES:
            self.note(loc, f"old component name '{name}' read as {OLD_STYLE_NAMES[name]}")
            return OLD_STYLE_NAMES[name]
        short = name.rsplit(".", 1)[-1]
        known = short in NLU_HANDLERS or short in POLICY_HANDLERS
        if known and name.startswith(("rasa.", "rasa_nlu.", "rasa_core.")):
            return short
        return name

    def unknown(self, name: str, loc: Location, kind: str) -> None:
        self.warn(
            loc,
            f"unknown {kind} '{name}' in {loc.file or 'config'} line {loc.line} is ignored "
            f"(botcoach runs its own models and does not load custom code from config.yml)",
        )

    # -- NLU pipeline ----------------------------------------------------------------------------
    def nlu_component(self, name: str, item: dict, loc: Location) -> None:
        if not self._nlu_seen:
            self._nlu_seen = True
            # A listed pipeline switches every behaviour off until its component shows up.
            n = self.nlu
            n.use_regex_features = n.use_lookup_features = n.extract_entities = False
            n.use_synonyms = False
            n.fallback_threshold = 0.0
        handler = NLU_HANDLERS.get(name)
        if handler is None:
            self.unknown(name, loc, "component")
            return
        handler(self, name, item, loc)
        if name in PRETRAINED:
            self.note(loc, f"{name}: botcoach uses its own featurizer, no pretrained vectors or language model")
        elif name in REPLACED_CLASSIFIERS:
            self.note(loc, f"{name}: intents are classified by botcoach's own model")

    def tokenizer(self, name: str, item: dict, loc: Location) -> None:
        if self.param(item, "intent_tokenization_flag", bool):
            self.ignore(name, item, "intent_tokenization_flag")
            if self.param(item, "intent_split_symbol", str) is not None:
                self.ignore(name, item, "intent_split_symbol")
        if (case := self.param(item, "case_sensitive", bool)) is not None:
            self.nlu.case_sensitive = case
        if name == "JiebaTokenizer":
            self.warn(
                loc,
                "JiebaTokenizer is not supported: botcoach splits words on spaces and punctuation, "
                "so Chinese text relies on character n-grams",
            )

    def regex_featurizer(self, name: str, item: dict, loc: Location) -> None:
        self.nlu.use_regex_features = self.param(item, "use_regexes", bool) is not False
        self.nlu.use_lookup_features = self.param(item, "use_lookup_tables", bool) is not False
        if (case := self.param(item, "case_sensitive", bool)) is not None:
            self.nlu.case_sensitive = case

    def regex_extractor(self, name: str, item: dict, loc: Location) -> None:
        self.regex_featurizer(name, item, loc)
        self.nlu.extract_entities = True
        self.ignored.append((name, "", loc))

    def count_vectors(self, name: str, item: dict, loc: Location) -> None:
        analyzer = self.param(item, "analyzer", str) or "word"
        low, high = self.param(item, "min_ngram", int, 1), self.param(item, "max_ngram", int, 1)
        if analyzer in ("char", "char_wb"):
            default_low, default_high = self.nlu.char_ngram_range
            low, high = low or min(default_low, high or default_low), high or max(default_high, low or 0)
            if low > high:
                raise DataError(
                    f"min_ngram {low} is larger than max_ngram {high}", loc, "make min_ngram at most max_ngram"
                )
            self.nlu.char_ngram_range = (low, high)
        elif analyzer == "word":
            if high is not None:
                self.nlu.word_ngram_max = high
        else:
            raise DataError(
                f"CountVectorsFeaturizer analyzer must be word, char or char_wb, not '{analyzer}'",
                self.where(item, "analyzer"),
                "use analyzer: word or analyzer: char_wb",
            )
        if self.param(item, "lowercase", bool) is False:
            self.nlu.case_sensitive = True

    def classifier(self, name: str, item: dict, loc: Location) -> None:
        """DIET and its 1.x predecessor: the hyperparameters that carry over to our model."""
        n = self.nlu
        n.epochs = self.param(item, "epochs", int, 1) or n.epochs
        size = "embedding_dimension" if name == "DIETClassifier" else "embed_dim"
        if self.param(item, "learning_rate", float, 0.0) is not None:
            self.ignore(name, item, "learning_rate")
        if self.param(item, size, int, 1) is not None:
            self.ignore(name, item, size)
        sizes = item.get("hidden_layers_sizes") or {}
        text_sizes = sizes.get("text") if isinstance(sizes, dict) else None
        text_sizes = text_sizes or item.get("hidden_layers_sizes_a")
        if isinstance(text_sizes, list) and text_sizes and all(type(s) is int for s in text_sizes):
            n.hidden_size = max(text_sizes)
        n.hidden_size = self.param(item, "transformer_size", int, 1) or n.hidden_size
        if (seed := self.param(item, "random_seed", int, 0)) is not None:
            n.seed = seed
        if self.param(item, "entity_recognition", bool) is not False and name == "DIETClassifier":
            n.extract_entities = True
        if self.param(item, "intent_classification", bool) is False:
            self.warn(loc, "intent_classification: false is not supported; botcoach always classifies intents")

    def fallback_classifier(self, name: str, item: dict, loc: Location) -> None:
        threshold = self.param(item, "threshold", float, 0.0, 1.0)
        self.nlu.fallback_threshold = 0.3 if threshold is None else threshold
        ambiguity = self.param(item, "ambiguity_threshold", float, 0.0, 1.0)
        self.nlu.ambiguity_threshold = 0.1 if ambiguity is None else ambiguity

    def entity_extractor(self, name: str, item: dict, loc: Location) -> None:
        self.nlu.extract_entities = True
        if name != "CRFEntityExtractor":
            self.note(loc, f"{name}: entities are extracted by botcoach's own model from your examples")

    def unsupported_extractor(self, name: str, item: dict, loc: Location) -> None:
        self.skipped.append((name, loc))

    def finish_skipped(self) -> None:
        """One warning for every component that cannot run here, however many the pipeline lists."""
        if not self.skipped:
            return
        first = self.skipped[0][1]
        names = [name if loc == first else f"{name} (line {loc.line})" for name, loc in self.skipped]
        lost = list(dict.fromkeys(SKIPPED_EXTRACTORS[name] for name, _ in self.skipped))
        self.warn(
            first,
            f"{', '.join(names)} cannot run in botcoach and {'is' if len(names) == 1 else 'are'} skipped: "
            f"{' and '.join(lost)} are not extracted; annotate such entities in your NLU examples so "
            "botcoach's own model learns them",
        )

    def synonyms(self, name: str, item: dict, loc: Location) -> None:
        self.nlu.use_synonyms = True

    def ignore(self, name: str, item: dict, key: str) -> None:
        self.ignored.append((name, key, self.where(item, key)))

    def finish_ignored(self) -> None:
        """One warning for every setting no botcoach model uses, each with its line and why."""
        if not self.ignored:
            return
        reasons: dict[str, list[str]] = {}
        for name, key, loc in self.ignored:
            if key:
                why = IGNORED_KEYS.get((name, key)) or IGNORED_KEYS[(None, key)]
                reasons.setdefault(why, []).append(f"{name} {key} (line {loc.line})")
            else:  # RegexEntityExtractor: the component's own behaviour
                why = "regex and lookup matches are features of botcoach's entity model, not entities by themselves"
                reasons.setdefault(why, []).append(f"{name} (line {loc.line})")
        first = self.ignored[0][2]
        parts = [f"{', '.join(what)}: {why}" for why, what in reasons.items()]
        self.warn(
            first,
            f"ignored, as botcoach's models do not use them: {'; '.join(parts)}",
        )

    def nothing(self, name: str, item: dict, loc: Location) -> None:
        """Components whose work botcoach's own featurizer already does."""

    # -- policies --------------------------------------------------------------------------------
    def policy_component(self, name: str, item: dict, loc: Location) -> None:
        if not self._policies_seen:
            self._policies_seen = True
            p = self.pol
            p.memoization = p.augmented_memoization = p.rules = p.ted = p.enable_fallback_prediction = False
        handler = POLICY_HANDLERS.get(name)
        if handler is None:
            self.unknown(name, loc, "policy")
            return
        if (history := self.param(item, "max_history", int, 1)) is not None:
            self.max_histories.append(history)
        elif "max_history" in item and name in ("TEDPolicy", "KerasPolicy", "EmbeddingPolicy"):
            self.note(
                self.where(item, "max_history"),
                f"max_history: null (whole dialogue) is read as {self.pol.max_history} turns",
            )
        handler(self, name, item, loc)

    def memoization(self, name: str, item: dict, loc: Location) -> None:
        if name == "AugmentedMemoizationPolicy":
            self.pol.augmented_memoization = True
        else:
            self.pol.memoization = True

    def rule_policy(self, name: str, item: dict, loc: Location) -> None:
        p = self.pol
        p.rules = True
        if (threshold := self.param(item, "core_fallback_threshold", float, 0.0, 1.0)) is not None:
            p.core_fallback_threshold = threshold
        p.core_fallback_action = self.param(item, "core_fallback_action_name", str) or p.core_fallback_action
        p.enable_fallback_prediction = self.param(item, "enable_fallback_prediction", bool) is not False
        p.restrict_rules = self.param(item, "restrict_rules", bool) is not False
        p.check_for_contradictions = self.param(item, "check_for_contradictions", bool) is not False

    def legacy_rules(self, name: str, item: dict, loc: Location) -> None:
        self.pol.rules = True
        what = (
            "forms are run by botcoach's form loop"
            if name == "FormPolicy"
            else "intent triggers from the domain are applied as rules"
        )
        self.note(loc, f"{name} (Rasa 1.x): {what}")

    def ted(self, name: str, item: dict, loc: Location) -> None:
        p = self.pol
        p.ted = True
        p.ted_epochs = self.param(item, "epochs", int, 1) or p.ted_epochs
        if (seed := self.param(item, "random_seed", int, 0)) is not None:
            p.seed = seed
        if name != "TEDPolicy":
            self.note(loc, f"{name}: replaced by botcoach's transformer dialogue policy")

    def fallback_policy(self, name: str, item: dict, loc: Location) -> None:
        """1.x FallbackPolicy/TwoStageFallbackPolicy: thresholds for both NLU and core."""
        p, two_stage = self.pol, name == "TwoStageFallbackPolicy"
        nlu = self.param(item, "nlu_threshold", float, 0.0, 1.0)
        self.nlu.fallback_threshold = 0.3 if nlu is None else nlu
        ambiguity = self.param(item, "ambiguity_threshold", float, 0.0, 1.0)
        self.nlu.ambiguity_threshold = 0.1 if ambiguity is None else ambiguity
        core = self.param(item, "core_threshold", float, 0.0, 1.0)
        p.core_fallback_threshold = 0.3 if core is None else core
        core_action = self.param(item, "fallback_core_action_name" if two_stage else "fallback_action_name", str)
        p.core_fallback_action = core_action or "action_default_fallback"
        p.nlu_fallback_action = "action_two_stage_fallback" if two_stage else p.core_fallback_action
        p.enable_fallback_prediction = True

    def unexpected_intent(self, name: str, item: dict, loc: Location) -> None:
        self.warn(loc, "UnexpecTEDIntentPolicy is not supported: action_unlikely_intent is never predicted")

    def finish_max_history(self) -> None:
        if self.max_histories:
            self.pol.max_history = max(self.max_histories)
            if len(set(self.max_histories)) > 1:
                self.note(
                    Location(self.file),
                    f"policies set different max_history values "
                    f"{sorted(set(self.max_histories))}; botcoach uses {self.pol.max_history} for all",
                )


Handler = Callable[[_Reader, str, dict, Location], None]
NLU_HANDLERS: dict[str, Handler] = {  # later keys override: specific handlers win
    **dict.fromkeys(PRETRAINED | SILENT | REPLACED_CLASSIFIERS, _Reader.nothing),
    **dict.fromkeys(
        (
            "WhitespaceTokenizer",
            "SpacyTokenizer",
            "MitieTokenizer",
            "JiebaTokenizer",
            "ConveRTTokenizer",
            "LanguageModelTokenizer",
        ),
        _Reader.tokenizer,
    ),
    "RegexFeaturizer": _Reader.regex_featurizer,
    "RegexEntityExtractor": _Reader.regex_extractor,
    "CountVectorsFeaturizer": _Reader.count_vectors,
    "DIETClassifier": _Reader.classifier,
    "EmbeddingIntentClassifier": _Reader.classifier,
    "FallbackClassifier": _Reader.fallback_classifier,
    "CRFEntityExtractor": _Reader.entity_extractor,
    "MitieEntityExtractor": _Reader.entity_extractor,
    **dict.fromkeys(SKIPPED_EXTRACTORS, _Reader.unsupported_extractor),
    "EntitySynonymMapper": _Reader.synonyms,
}
POLICY_HANDLERS: dict[str, Handler] = {
    "MemoizationPolicy": _Reader.memoization,
    "AugmentedMemoizationPolicy": _Reader.memoization,
    "RulePolicy": _Reader.rule_policy,
    "FormPolicy": _Reader.legacy_rules,
    "MappingPolicy": _Reader.legacy_rules,
    "TEDPolicy": _Reader.ted,
    "KerasPolicy": _Reader.ted,
    "EmbeddingPolicy": _Reader.ted,
    "SklearnPolicy": _Reader.ted,
    "FallbackPolicy": _Reader.fallback_policy,
    "TwoStageFallbackPolicy": _Reader.fallback_policy,
    "UnexpecTEDIntentPolicy": _Reader.unexpected_intent,
}


def read_config(text: str, file: str | Path | None = None) -> BotcoachConfig:
    """Parse config text; `file` only names it in warnings and errors."""
    name = str(file) if file is not None else None
    doc = load_yaml(text, name)
    if doc is None:
        return BotcoachConfig(file=name)
    if not isinstance(doc, dict):
        raise DataError(
            f"a config file must be a mapping of keys, not a {type(doc).__name__}",
            location_of(doc, None, name) if hasattr(doc, "lc") else Location(name, 1),
            "start with 'language: en', then 'pipeline:' and 'policies:'",
        )
    return _Reader(doc, name).read()


def load_config(path: str | Path | None) -> BotcoachConfig:
    """Read `path`; no path, or a file that does not exist, gives the defaults."""
    if path is None:
        return BotcoachConfig()
    path = Path(path)
    if not path.exists():
        config = BotcoachConfig(file=str(path))
        config.notes.append(f"{path}: not found; using the default configuration")
        return config
    return read_config(read_text(path), path)
