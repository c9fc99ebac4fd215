"""Property: whatever a person does (teach, undo, fork, start fresh, export, in any order), the
exported files say what the surviving conversations say, and exporting again changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.interactive.export import taught
from core.interactive.questions import QuestionKind
from core.story_export import tracker_to_story
from core.training_data.loader import load_nlu
from core.training_data.stories_yaml import read_stories_yaml
from tests.test_teaching_session import answer_actions, open_session

MESSAGES = ["good evening friend", "see you around pal", "cheers mate", "any gigs tonight", "/greet", "/thankyou"]
INTENTS = [None, "greet", "goodbye", "thankyou", "search_concerts"]  # None: as the NLU says

teach_step = st.tuples(st.just("teach"), st.sampled_from(MESSAGES), st.sampled_from(INTENTS))
undo_step = st.tuples(st.just("undo"), st.integers(1, 3))
export_step = st.just(("export",))
steps = st.lists(
    st.one_of(
        teach_step,
        teach_step,
        teach_step,
        undo_step,
        undo_step,
        st.tuples(st.just("fork"), st.integers(0, 3)),
        st.just(("fresh",)),
        export_step,
        export_step,
    ),
    min_size=3,
    max_size=14,
)


def run(session, step) -> None:
    kind = step[0]
    if kind == "teach":
        _, text, intent = step
        session.submit(text)
        if session.question.kind == QuestionKind.NLU:
            session.confirm_parse(session.correct_parse(intent=intent))
        answer_actions(session)
    elif kind == "undo":
        for _ in range(step[1]):
            turns = len(session.tracker.user_turns())
            while turns and len(session.tracker.user_turns()) == turns:
                session.undo()
        answer_actions(session)
    elif kind == "fork":
        turns = len(session.tracker.user_turns())
        if turns:
            session.fork(min(step[1], turns - 1))
    elif kind == "fresh":
        session.start_fresh()


def check_export(session, paths, original_examples: set[tuple[str, str]]) -> None:
    session.export(paths)
    conversations = session.state.exportable()
    expected_examples = original_examples | {(e.text, str(e.intent)) for e in taught(conversations).examples}
    assert {(e.text, str(e.intent)) for e in load_nlu(paths.nlu).examples} == expected_examples
    names = session.state.ledger.stories[str(paths.stories.resolve())]
    written = {s.name: s for s in read_stories_yaml(paths.stories.read_text()) if s.name.startswith("interactive")}
    expected = {names[c.id]: tracker_to_story(c.tracker, names[c.id], "3.x") for c in conversations}
    assert written == expected
    before = {p: p.read_bytes() for p in (paths.stories, paths.nlu, paths.domain)}
    assert session.export(paths).changes == []
    assert {p: p.read_bytes() for p in before} == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
@example([("teach", "good evening friend", "greet"), ("export",), ("undo", 1), ("export",)])
@example([("teach", "cheers mate", None), ("teach", "/greet", None), ("export",), ("fork", 0), ("fresh",)])
def test_exports_follow_the_surviving_conversations(sequence):
    with tempfile.TemporaryDirectory() as folder:
        session, paths = open_session(Path(folder))
        original = {(e.text, str(e.intent)) for e in load_nlu(paths.nlu).examples}
        for step in sequence:
            run(session, step)
            if step[0] == "export":
                check_export(session, paths, original)
        check_export(session, paths, original)
