"""`botcoach conversations` on the shared Rasa tracker store, its marks, order, paging and errors."""

from __future__ import annotations

from core.tracker_store.listing import page_of
from core.tracker_store.reader import ConversationSummary
from tests.test_tracker_store import STORE, TRACKERS
from tui.cli import main


def test_lists_the_shared_store_through_endpoints_yml(capsys, monkeypatch):
    monkeypatch.chdir(STORE)
    assert main(["conversations", "--sort", "suspicious"]) == 0
    out = capsys.readouterr().out
    lines = [line.split()[0] for line in out.splitlines()[1:4]]
    assert lines == ["user-cleo", "user-anna", "user-ben"]  # cleo: two unlikely intents
    assert "3 conversations" in out


def test_filters_and_pages_json_trackers(capsys):
    assert main(["conversations", "--trackers", *map(str, TRACKERS), "--mark", "unlikely-intent", "--page-size", "1",
                 "--page", "2"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "page 2 of 2 (2 conversations" in out
    assert "user-ben" not in out


def test_a_missing_store_is_one_line_and_exit_1(capsys, tmp_path):
    assert main(["conversations", "--store", str(tmp_path / "none.db")]) == 1
    err = capsys.readouterr().err
    assert "none.db does not exist" in err
    assert "Traceback" not in err


def test_order_puts_fallbacks_before_low_confidence_and_newest_first():
    rows = [
        ConversationSummary("a", 1.0, 1.0, 1, 0, 0, 0),
        ConversationSummary("b", 2.0, 2.0, 1, 0, 1, 0),
        ConversationSummary("c", 0.5, 0.5, 1, 1, 0, 0),
    ]
    assert [r.sender for r in page_of(rows, "newest").rows] == ["b", "a", "c"]
    assert [r.sender for r in page_of(rows, "suspicious").rows] == ["c", "b", "a"]
    assert page_of(rows, page=9, size=2).number == 2
    assert [r.sender for r in page_of(rows, sender="B").rows] == ["b"]
