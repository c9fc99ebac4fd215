"""core.config: Rasa config.yml (1.x-3.x) read into botcoach's own configuration."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import BotcoachConfig, NLUConfig, PolicyConfig, load_config, read_config
from core.errors import DataError
from core.yamlio import dump_yaml
from tests.conftest import COMPAT

ALL_CONFIGS = sorted(COMPAT.glob("*/config.yml"))


def test_compat_corpus_is_there():
    assert len(ALL_CONFIGS) == 7


@pytest.mark.parametrize("path", ALL_CONFIGS, ids=lambda p: p.parent.name)
def test_every_compat_config_loads(path):
    config = load_config(path)
    assert config.language == "en"
    assert config.file == str(path)
    assert config.raw["language"] == "en"
    assert all(str(path) in message for message in config.warnings + config.notes)
    assert not any("unknown" in w for w in config.warnings)


def test_formbot_3x_duckling_warns_and_diet_epochs_carry_over():
    config = load_config(COMPAT / "formbot-3x" / "config.yml")
    (warning,) = config.warnings
    assert warning.startswith(f"{COMPAT / 'formbot-3x' / 'config.yml'}:10: DucklingEntityExtractor")
    assert "not extracted" in warning
    assert config.assistant_id == "form_bot" and config.recipe == "default.v1"
    nlu, pol = config.nlu, config.policies
    assert nlu.epochs == 1 and pol.ted_epochs == 1
    assert nlu.extract_entities and nlu.use_synonyms
    assert not nlu.use_regex_features and nlu.fallback_threshold == 0.0  # no RegexFeaturizer, no FallbackClassifier
    assert pol.augmented_memoization and not pol.memoization and pol.rules and pol.ted


def test_concertbot_1x_keras_and_fallback_policy():
    config = load_config(COMPAT / "concertbot-1x" / "config.yml")
    pol = config.policies
    assert pol.ted and pol.ted_epochs == 200 and pol.max_history == 5
    assert pol.memoization and pol.rules  # MappingPolicy means rules
    assert pol.nlu_fallback_action == "action_default_fallback"
    assert config.nlu.fallback_threshold == 0.3
    # supervised_embeddings template: char_wb 1..4, CRF entities, synonyms, regex features
    assert config.nlu.char_ngram_range == (1, 4)
    assert config.nlu.extract_entities and config.nlu.use_synonyms and config.nlu.use_regex_features
    assert any("KerasPolicy" in n and ":6:" in n for n in config.notes)


def test_moodbot_1x_template_string():
    config = load_config(COMPAT / "moodbot-1x" / "config.yml")
    assert any("pretrained_embeddings_spacy" in n for n in config.notes)
    assert any("SpacyFeaturizer" in n and "own featurizer" in n for n in config.notes)
    assert config.nlu.extract_entities  # the template has CRFEntityExtractor
    assert config.nlu.fallback_threshold == 0.0  # 1.x without FallbackPolicy never falls back
    assert not config.policies.enable_fallback_prediction
    assert config.warnings == []


def test_initial_project_3x_commented_out_gives_defaults():
    config = load_config(COMPAT / "initial-project-3x" / "config.yml")
    assert config.nlu == NLUConfig() and config.policies == PolicyConfig()
    assert config.assistant_id == "placeholder_default"
    assert config.warnings == [] and config.notes == []
    assert config.raw == {
        "recipe": "default.v1",
        "assistant_id": "placeholder_default",
        "language": "en",
        "pipeline": None,
        "policies": None,
    }


def test_concertbot_3x_and_moodbot_3x():
    concert = load_config(COMPAT / "concertbot-3x" / "config.yml")
    assert concert.nlu.fallback_threshold == 0.4 and concert.nlu.epochs == 100
    assert concert.nlu.char_ngram_range == (1, 4) and concert.policies.ted_epochs == 200
    mood = load_config(COMPAT / "moodbot-3x" / "config.yml")
    assert not mood.nlu.extract_entities  # DIET entity_recognition: False


def test_defaults():
    assert NLUConfig().epochs == 40 and NLUConfig().word_ngram_max == 2
    assert NLUConfig().char_ngram_range == (2, 5) and NLUConfig().seed == 42
    assert PolicyConfig().max_predictions == 10 and PolicyConfig().core_fallback_action == "action_default_fallback"
    assert load_config(None) == BotcoachConfig()
    missing = load_config("/nonexistent/config.yml")
    assert missing.nlu == NLUConfig() and "not found" in missing.notes[0]
    assert read_config("", "c.yml").nlu == NLUConfig()
    assert read_config("# nothing\n", "c.yml").policies == PolicyConfig()
    assert read_config("pipeline: []\npolicies: []\n").nlu == NLUConfig()


CUSTOM = """\
language: de
pipeline:
  - name: WhitespaceTokenizer
  - name: my_module.MyComponent
  - name: rasa.nlu.classifiers.diet_classifier.DIETClassifier
    epochs: 77
    random_seed: 7
policies:
  - name: RulePolicy
  - name: custom.policies.SmartPolicy
  - name: rasa.core.policies.NoSuchPolicy
"""


def test_unknown_components_warn_with_line_and_rasa_class_paths_resolve():
    config = read_config(CUSTOM, "config.yml")
    assert config.language == "de"
    assert len(config.warnings) == 3
    assert "unknown component 'my_module.MyComponent' in config.yml line 4 is ignored" in config.warnings[0]
    assert config.warnings[0].startswith("config.yml:4:")
    assert "'custom.policies.SmartPolicy' in config.yml line 10" in config.warnings[1]
    assert "unknown policy 'rasa.core.policies.NoSuchPolicy' in config.yml line 11" in config.warnings[2]
    assert config.nlu.epochs == 77 and config.nlu.seed == 7
    assert config.policies.rules and not config.policies.ted and not config.policies.memoization


def test_rule_policy_and_max_history_mapping():
    config = read_config(
        "policies:\n"
        "  - name: MemoizationPolicy\n    max_history: 3\n"
        "  - name: TEDPolicy\n    max_history: 8\n    epochs: 12\n    random_seed: 3\n"
        "  - name: RulePolicy\n    core_fallback_threshold: 0.45\n"
        "    core_fallback_action_name: action_my_fallback\n    enable_fallback_prediction: false\n"
        "    restrict_rules: false\n    check_for_contradictions: false\n",
        "c.yml",
    )
    pol = config.policies
    assert (pol.max_history, pol.ted_epochs, pol.seed) == (8, 12, 3)
    assert pol.core_fallback_threshold == 0.45 and pol.core_fallback_action == "action_my_fallback"
    assert not pol.enable_fallback_prediction and not pol.restrict_rules and not pol.check_for_contradictions
    assert any("different max_history" in n for n in config.notes)
    assert config.nlu == NLUConfig()  # no pipeline given: NLU defaults


def test_two_stage_fallback_and_unexpected_intent_policy():
    config = read_config(
        "policies:\n  - name: TwoStageFallbackPolicy\n    nlu_threshold: 0.6\n    core_threshold: 0.2\n"
        "    fallback_core_action_name: action_core_fb\n  - name: UnexpecTEDIntentPolicy\n",
        "c.yml",
    )
    pol = config.policies
    assert config.nlu.fallback_threshold == 0.6
    assert pol.core_fallback_threshold == 0.2 and pol.core_fallback_action == "action_core_fb"
    assert pol.nlu_fallback_action == "action_two_stage_fallback"
    assert config.warnings == [
        "c.yml:6: UnexpecTEDIntentPolicy is not supported: action_unlikely_intent is never predicted"
    ]


def test_featurizer_and_classifier_parameters():
    config = read_config(
        "pipeline:\n"
        "  - name: WhitespaceTokenizer\n    intent_tokenization_flag: true\n    intent_split_symbol: '+'\n"
        "  - name: RegexEntityExtractor\n    use_lookup_tables: false\n"
        "  - name: CountVectorsFeaturizer\n    max_ngram: 3\n    lowercase: false\n"
        "  - name: CountVectorsFeaturizer\n    analyzer: char\n    min_ngram: 3\n"
        "  - name: DIETClassifier\n    entity_recognition: false\n    learning_rate: 0.01\n"
        "    embedding_dimension: 32\n    transformer_size: 64\n"
        "  - name: FallbackClassifier\n  - name: ResponseSelector\n    epochs: 5\n",
        "c.yml",
    )
    nlu = config.nlu
    assert nlu.word_ngram_max == 3 and nlu.case_sensitive
    assert nlu.char_ngram_range == (3, 5)
    assert nlu.extract_entities  # the regex extractor asks for entities
    assert nlu.use_regex_features and not nlu.use_lookup_features
    assert nlu.hidden_size == 64
    assert nlu.fallback_threshold == 0.3 and not nlu.use_synonyms
    assert nlu.epochs == 40  # ResponseSelector epochs do not set the intent model's
    assert any(note.startswith("c.yml:19: ResponseSelector") for note in config.notes)


def test_settings_no_model_uses_are_named_in_one_warning_with_file_and_line():
    config = read_config(
        "pipeline:\n"
        "  - name: WhitespaceTokenizer\n    intent_tokenization_flag: true\n    intent_split_symbol: '+'\n"
        "  - name: RegexEntityExtractor\n"
        "  - name: DIETClassifier\n    learning_rate: 0.01\n    embedding_dimension: 32\n    epochs: 5\n",
        "c.yml",
    )
    (warning,) = config.warnings
    assert warning.startswith("c.yml:3: ignored, as botcoach's models do not use them: ")
    for named in (
        "WhitespaceTokenizer intent_tokenization_flag (line 3)",
        "WhitespaceTokenizer intent_split_symbol (line 4)",
        "RegexEntityExtractor (line 5)",
        "DIETClassifier learning_rate (line 7)",
        "DIETClassifier embedding_dimension (line 8)",
    ):
        assert named in warning
    assert "epochs" not in warning and config.nlu.epochs == 5  # what is used is not named
    legacy = read_config("pipeline:\n  - name: EmbeddingIntentClassifier\n    embed_dim: 10\n", "old.yml")
    assert legacy.warnings == [
        "old.yml:3: ignored, as botcoach's models do not use them: EmbeddingIntentClassifier embed_dim (line 3): "
        "botcoach's NLU model keeps its own embedding sizes"
    ]


def test_a_split_symbol_without_the_flag_and_a_plain_diet_warn_nothing():
    config = read_config(
        "pipeline:\n  - name: WhitespaceTokenizer\n    intent_split_symbol: '+'\n"
        "  - name: DIETClassifier\n    epochs: 100\n    constrain_similarities: true\n",
        "c.yml",
    )
    assert config.warnings == []


def test_old_style_names_and_warnings_for_unsupported_components():
    config = read_config(
        "pipeline:\n  - name: tokenizer_jieba\n  - name: intent_classifier_tensorflow_embedding\n    epochs: 9\n"
        "  - name: SpacyEntityExtractor\nextra: 1\n",
        "c.yml",
    )
    assert config.nlu.epochs == 9
    assert [w.split(": ")[0] for w in config.warnings] == ["c.yml:6", "c.yml:2", "c.yml:5"]
    assert "unknown key 'extra'" in config.warnings[0]
    assert "JiebaTokenizer" in config.warnings[1] and "SpacyEntityExtractor" in config.warnings[2]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("language: en\npipeline: a: b\n", 2, "malformed YAML"),
        ("language: en\npipeline:\n  name: DIETClassifier\n", 2, "must be a list"),
        ("pipeline: 42\n", 1, "must be a list"),
        ("pipeline: my_favourite\n", 1, "unknown pipeline template"),
        ("policies:\n  - epochs: 3\n", 2, "no component name"),
        ("pipeline:\n  - name: DIETClassifier\n    epochs: many\n", 3, "'epochs' must be a int"),
        ("pipeline:\n  - name: DIETClassifier\n    epochs: 0\n", 3, ">= 1"),
        ("pipeline:\n  - name: FallbackClassifier\n    threshold: 1.5\n", 3, "between 0.0 and 1.0"),
        ("pipeline:\n  - name: CountVectorsFeaturizer\n    analyzer: chars\n", 3, "analyzer"),
        (
            "pipeline:\n  - name: CountVectorsFeaturizer\n    analyzer: char_wb\n    min_ngram: 4\n    max_ngram: 2\n",
            2,
            "larger than max_ngram",
        ),
        ("policies:\n  - name: RulePolicy\n    restrict_rules: maybe\n", 3, "restrict_rules"),
        ("- name: DIETClassifier\n", 1, "must be a mapping"),
    ],
)
def test_bad_configs_raise_data_error_with_line(text, line, words):
    with pytest.raises(DataError) as caught:
        read_config(text, "config.yml")
    error = caught.value
    assert words in error.message
    assert error.location.file == "config.yml" and error.location.line == line
    assert error.hint


def test_bad_file_on_disk_names_the_path(tmp_path):
    path = tmp_path / "config.yml"
    path.write_text("policies:\n  - name: TEDPolicy\n    max_history: -1\n")
    with pytest.raises(DataError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:3: 'max_history'")


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "name",
                        "epochs",
                        "threshold",
                        "analyzer",
                        "max_ngram",
                        "min_ngram",
                        "max_history",
                        "pipeline",
                        "policies",
                        "DIETClassifier",
                        "TEDPolicy",
                        "language",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_document_is_read_or_refused_with_a_data_error(document):
    text = dump_yaml({"pipeline": document, "policies": document})
    try:
        config = read_config(text, "c.yml")
    except DataError as error:
        assert error.location is not None and error.location.file == "c.yml"
    else:
        assert isinstance(config, BotcoachConfig)
