"""`botcoach data validate` on real Rasa projects and on each kind of mistake a person makes."""

import shutil
from pathlib import Path

import pytest

from core.config import load_config
from core.domain import load_domain
from core.errors import DataError
from core.training_data.loader import load_training_data
from core.validation import validate
from tests.conftest import COMPAT, SAMPLES
from tui.cli import main

SETS = ["moodbot-1x", "moodbot-3x", "concertbot-1x", "concertbot-3x", "formbot-1x", "formbot-3x", "initial-project-3x"]


def _report(project: Path):
    return validate(load_domain(project / "domain.yml"), load_training_data([project / "data"]))


@pytest.mark.parametrize("name", SETS)
def test_compat_sets_have_no_errors(name):
    assert [str(f) for f in _report(COMPAT / name).errors] == []


def test_compat_warnings_are_the_ones_rasa_gives():
    moodbot = [str(f) for f in _report(COMPAT / "moodbot-3x").warnings]
    assert len(moodbot) == 1 and "'good afternoon'" in moodbot[0] and "'greet'" in moodbot[0]
    concert = [str(f) for f in _report(COMPAT / "concertbot-3x").warnings]
    assert len(concert) == 1 and "'bot_challenge'" in concert[0] and "no NLU examples" in concert[0]
    assert _report(COMPAT / "initial-project-3x").findings == []


@pytest.mark.parametrize("name", ["moodbot", "concertbot", "formbot"])
def test_sample_bots_are_valid(name):
    assert _report(SAMPLES / name).errors == []


@pytest.fixture
def project(tmp_path):
    target = tmp_path / "bot"
    shutil.copytree(SAMPLES / "concertbot", target, ignore=shutil.ignore_patterns("actions", "tests"))
    return target


def _snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _validate_cli(project: Path, capsys) -> tuple[int, str]:
    code = main(
        [
            "data",
            "validate",
            "--data",
            str(project / "data"),
            "-d",
            str(project / "domain.yml"),
            "-c",
            str(project / "config.yml"),
        ]
    )
    return code, capsys.readouterr().err


def _append_story(project: Path, steps: str) -> int:
    stories = project / "data" / "stories.yml"
    text = stories.read_text()
    line = text.count("\n") + 2
    stories.write_text(text.rstrip("\n") + "\n\n- story: added by the test\n  steps:\n" + steps)
    return line


@pytest.mark.parametrize(
    "steps, message",
    [
        ("  - intent: order_pizza\n  - action: utter_greet\n", "the intent 'order_pizza'"),
        ("  - intent: greet\n  - action: action_make_pizza\n", "the action 'action_make_pizza'"),
        ("  - intent: greet\n  - action: utter_pizza\n", "the response 'utter_pizza'"),
        ("  - intent: greet\n  - slot_was_set:\n    - topping: cheese\n", "the slot 'topping'"),
        ("  - intent: greet\n    entities:\n    - topping: cheese\n", "the entity 'topping'"),
        ("  - intent: greet\n  - active_loop: pizza_form\n", "the form 'pizza_form'"),
    ],
)
def test_unknown_names_in_stories_are_errors_with_file_and_line(project, capsys, steps, message):
    line = _append_story(project, steps)
    before = _snapshot(project)
    code, err = _validate_cli(project, capsys)
    assert code == 1
    assert message in err and "is not in the domain" in err
    assert f"stories.yml:{line + 2}" in err or f"stories.yml:{line + 3}" in err
    assert "fix:" in err
    assert _snapshot(project) == before


def test_malformed_yaml_names_file_line_and_fix(project, capsys):
    nlu = project / "data" / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("- intent: greet", "- intent: [greet", 1))
    before = _snapshot(project)
    code, err = _validate_cli(project, capsys)
    assert code == 1 and "nlu.yml:" in err and "malformed YAML" in err and "fix:" in err
    assert "Traceback" not in err
    assert _snapshot(project) == before


def test_response_without_text(project, capsys):
    domain = project / "domain.yml"
    domain.write_text(domain.read_text().replace("responses:\n", "responses:\n  utter_empty:\n  - channel: slack\n", 1))
    code, err = _validate_cli(project, capsys)
    assert code == 1 and "'utter_empty' has a variation without text" in err and "domain.yml:" in err


def test_duplicate_examples_across_intents_name_both_places(project):
    nlu = project / "data" / "nlu.yml"
    nlu.write_text(
        nlu.read_text() + "\n- intent: goodbye\n  examples: |\n    - hello there friend\n"
        "- intent: greet\n  examples: |\n    - hello there friend\n"
    )
    warnings = [str(f) for f in _report(project).warnings]
    assert any(
        "'hello there friend'" in w and "'goodbye'" in w and "'greet'" in w and "nlu.yml:" in w for w in warnings
    )


def test_story_conflict_names_both_stories(project, capsys):
    _append_story(project, "  - intent: greet\n  - action: utter_goodbye\n")
    stories = project / "data" / "stories.yml"
    stories.write_text(
        stories.read_text() + "\n- story: greeting answered politely\n  steps:\n"
        "  - intent: greet\n  - action: utter_youarewelcome\n"
    )
    code, err = _validate_cli(project, capsys)
    assert code == 0  # a conflict is a warning, as in Rasa: training on such stories is legitimate
    assert "warning Story structure conflict" in err
    assert "added by the test" in err and "greeting answered politely" in err
    assert (
        main(
            [
                "data",
                "validate",
                "--fail-on-warnings",
                "--data",
                str(project / "data"),
                "-d",
                str(project / "domain.yml"),
            ]
        )
        == 1
    )


def test_form_with_unknown_entity_mapping_and_missing_slot(tmp_path):
    bot = tmp_path / "formbot"
    shutil.copytree(SAMPLES / "formbot", bot, ignore=shutil.ignore_patterns("actions", "tests"))
    domain = bot / "domain.yml"
    text = domain.read_text()
    domain.write_text(text.replace("entity: cuisine", "entity: food_kind", 1))
    report = validate(load_domain(domain), load_training_data([bot / "data"]))
    assert any("entity 'food_kind'" in str(f) and "domain.yml:" in str(f) for f in report.errors)
    domain.write_text(text.replace("required_slots:\n", "required_slots:\n      - table_size\n", 1))
    with pytest.raises(DataError) as error:
        load_domain(domain)
    assert "table_size" in str(error.value) and "domain.yml:" in str(error.value)


def test_a_story_against_a_rule_is_the_error_train_would_give(project, capsys):
    """Issue 13 case 6: a taught story that a rule contradicts passed validation, then train failed."""
    _append_story(project, "  - intent: thankyou\n  - action: utter_goodbye\n")
    code, err = _validate_cli(project, capsys)
    assert code == 1
    assert "contradicting with rule(s) 'thanks are always welcome'" in err and "added by the test" in err


@pytest.mark.parametrize("name", SETS)
def test_compat_rules_pass_the_rule_check(name):
    config = load_config(COMPAT / name / "config.yml") if (COMPAT / name / "config.yml").exists() else None
    policies = config.policies if config else None
    domain = load_domain(COMPAT / name / "domain.yml")
    assert [str(f) for f in validate(domain, load_training_data([COMPAT / name / "data"]), 5, policies).errors] == []
