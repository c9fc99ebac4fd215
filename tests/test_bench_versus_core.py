"""The pure parts of bench.versus_rasa_core: the leave-one-out splits and the report scorer
both systems' figures go through. No Rasa needed."""

from __future__ import annotations

from bench.versus_rasa_core import Score, leave_one_out, rasa_mistakes, score, splits
from core.evaluation.core_eval import ActionPrediction, StoryEvaluation, StoryResult
from core.training_data.story_model import ActionStep, Story, UserStep
from tests.conftest import COMPAT, SAMPLES


def _story(name: str, kind: str = "story") -> Story:
    return Story(name, [UserStep(intent="greet"), ActionStep(name="utter_greet")], kind=kind)


def test_leave_one_out_holds_out_each_story_once_and_keeps_every_rule():
    stories = [_story("a"), _story("r1", "rule"), _story("b"), _story("c"), _story("r2", "rule")]
    folds = leave_one_out(stories)
    assert [held_out.name for _, held_out in folds] == ["a", "b", "c"]
    for training, held_out in folds:
        names = [s.name for s in training]
        assert held_out.name not in names
        assert sorted(names) == sorted({"a", "b", "c", "r1", "r2"} - {held_out.name})


def test_splits_of_a_real_bot_cover_its_stories_and_its_test_stories():
    chosen = dict(splits(COMPAT / "formbot-3x"))
    held_out = chosen["held-out"]
    assert [s.tests[0].name for s in held_out] == ["stop form + continue", "stop form + stop"]
    assert all(len(s.tests) == 1 and not s.tests[0].is_rule for s in held_out)
    (everything,) = chosen["test stories"]
    assert len(everything.tests) == 3 and len(everything.training) == len(held_out[0].training) + 1
    assert "test stories" not in dict(splits(COMPAT / "moodbot-3x"))  # no tests/ folder
    assert len(dict(splits(SAMPLES / "moodbot"))["held-out"]) == 7  # 1.x Markdown stories read too


def _evaluation(*stories: list[tuple[str, str]]) -> StoryEvaluation:
    return StoryEvaluation(
        [
            StoryResult(f"s{i}", None, actions=[ActionPrediction(t, p) for t, p in pairs])
            for i, pairs in enumerate(stories)
        ]
    )


def test_score_counts_correct_actions_and_stories_from_a_story_report():
    evaluation = _evaluation(
        [("utter_greet", "utter_greet"), ("action_listen", "action_listen")],
        [("utter_greet", "utter_goodbye"), ("action_listen", "action_listen"), ("utter_happy", "utter_happy")],
    )
    figures = score(evaluation.report())
    assert figures == Score(stories=2, correct_stories=1, actions=5, correct_actions=4)
    assert figures.action_accuracy == 80.0 and figures.conversation_accuracy == 50.0


def test_score_pools_by_adding_counts_not_averaging_ratios():
    small = score(_evaluation([("a", "b")]).report())
    large = score(_evaluation([("a", "a")] * 9).report())
    pooled = small + large
    assert (pooled.actions, pooled.correct_actions, pooled.stories, pooled.correct_stories) == (10, 9, 2, 1)
    assert pooled.action_accuracy == 90.0


def test_rasa_mistakes_names_the_story_of_each_wrong_step():
    failed = """version: "3.1"
stories:
- story: sad path (./held_out.yml)
  steps:
  - intent: mood_unhappy
  - action: utter_cheer_up  # predicted: utter_happy
  - action: action_listen  # predicted: action_default_fallback
- story: other
  steps:
  - action: utter_goodbye  # predicted: action_listen
"""
    assert rasa_mistakes(failed) == [
        "sad path (./held_out.yml): action: utter_cheer_up  # predicted: utter_happy",
        "sad path (./held_out.yml): action: action_listen  # predicted: action_default_fallback",
        "other: action: utter_goodbye  # predicted: action_listen",
    ]
    assert rasa_mistakes("# None of the test stories failed - all good!") == []
