"""The files of a story evaluation, named and shaped as Rasa writes them:

- `story_report.json`: per action (and, end to end, per intent) precision/recall/f1-score/support,
  `accuracy`, `macro avg`, `weighted avg`, and `conversation_accuracy` {accuracy, correct,
  with_warnings, total};
- `failed_test_stories.yml`: the failed stories as a YAML test-story file, each wrong prediction
  marked with a comment at its step (`- action: utter_greet  # predicted: utter_goodbye`, and
  `- intent: greet  # predicted: deny: no way`), or Rasa's one-line note when none failed;
- `stories_with_warnings.yml`: stories that passed but whose entities differ (only when some do);
- `story_confusion_matrix.png` (and `.svg` with labels).

Story names carry their file in parentheses, as Rasa's failed stories do.
"""

from __future__ import annotations

from pathlib import Path

from core.evaluation.core_eval import StoryEvaluation, StoryResult
from core.evaluation.reports import write_confusion, write_json
from core.fileio import atomic_write_text
from core.training_data.stories_yaml import write_stories_yaml
from core.training_data.story_model import Story
from core.yamlio import dump_yaml, load_yaml

NONE_FAILED = "# None of the test stories failed - all good!\n"


def annotated_stories_yaml(results: list[StoryResult]) -> str:
    """A YAML test-story file of `results` with each result's comments at their steps."""
    stories = [Story(name=f"{r.name} ({r.source})" if r.source else r.name, steps=r.steps) for r in results]
    document = load_yaml(write_stories_yaml(stories))
    for item, result in zip(document.get("stories") or [], results):
        steps = item["steps"]
        for index, comment in sorted(result.comments.items()):
            if index < len(steps):
                step = steps[index]
                key = "intent" if "intent" in step else next(iter(step))
                step.yaml_add_eol_comment(comment, key)
    return dump_yaml(document)


def write(evaluation: StoryEvaluation, out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    written = [write_json(out / "story_report.json", evaluation.report())]
    failed = evaluation.failed
    atomic_write_text(out / "failed_test_stories.yml", annotated_stories_yaml(failed) if failed else NONE_FAILED)
    written.append(out / "failed_test_stories.yml")
    warned = evaluation.with_warnings
    if warned:
        atomic_write_text(out / "stories_with_warnings.yml", annotated_stories_yaml(warned))
        written.append(out / "stories_with_warnings.yml")
    targets, predictions = evaluation.targets_and_predictions()
    if targets:
        written += write_confusion(
            out, "story_confusion_matrix", targets, predictions, "Action confusion matrix", text=False
        )
    return written
