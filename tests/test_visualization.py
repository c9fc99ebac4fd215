"""Story graphs: which nodes and edges, merging, marks, the story limit, text, SVG, HTML and the server."""

from __future__ import annotations

import itertools
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Static

from core.domain import load_domain
from core.events import ActionExecuted, ActiveLoop, SlotSet, UserUtteranceReverted, UserUttered
from core.training_data.loader import load_training_data
from core.training_data.trackers import TrainingTracker, training_trackers
from core.visualization import (
    END,
    START,
    VisualizationServer,
    conversation_graph,
    render_html,
    render_svg,
    render_text,
    story_graph,
)
from core.visualization.svg import graph_layout, node_size
from tests.conftest import COMPAT, SAMPLES
from tui.cli import main
from tui.widgets.graph_pane import TAG_STYLES, GraphPane


def _bot(name: str, root: Path = SAMPLES):
    domain = load_domain(root / name / "domain.yml")
    stories = load_training_data([root / name / "data"]).stories
    return domain, training_trackers(stories, domain, augmentation_factor=0)


def _turns(*steps: str) -> list:
    """`intent` for a user turn, `.action` for a bot action; listens are added like the runtime does."""
    events: list = [ActionExecuted("action_listen")]
    for step in steps:
        if step.startswith("."):
            events.append(ActionExecuted(step[1:]))
        else:
            if events and isinstance(events[-1], ActionExecuted) and events[-1].name != "action_listen":
                events.append(ActionExecuted("action_listen"))
            events.append(UserUttered(step, intent={"name": step, "confidence": 0.9}))
    return events


def _tracker(name: str, *steps: str) -> TrainingTracker:
    return TrainingTracker(name, [*_turns(*steps), ActionExecuted("action_listen")])


CONCERT_FAN = ["greet", ".utter_greet", "affirm", ".utter_ask_help", "search_concerts"]


# -- graph semantics ---------------------------------------------------------------------------


def test_concertbot_conversation_with_its_two_most_similar_stories():
    domain, trackers = _bot("concertbot")
    graph = conversation_graph(_turns(*CONCERT_FAN), trackers, domain, max_stories=2)
    assert graph.shown_stories == ["music fan compares concerts", "music fan compares venues"]
    assert graph.labelled_edges() == {
        ("START", "greet"),
        ("greet", "utter_greet"),
        ("utter_greet", "affirm"),
        ("affirm", "utter_ask_help"),
        ("utter_ask_help", "search_concerts"),
        ("search_concerts", "action_search_concerts"),
        ("action_search_concerts", "compare_reviews"),
        ("compare_reviews", "action_show_concert_reviews"),
        ("action_show_concert_reviews", "thankyou"),
        ("thankyou", "utter_youarewelcome"),
        ("utter_youarewelcome", "END"),
        ("utter_ask_help", "search_venues"),
        ("search_venues", "action_search_venues"),
        ("action_search_venues", "compare_reviews"),
        ("compare_reviews", "action_show_venue_reviews"),
        ("action_show_venue_reviews", "goodbye"),
        ("goodbye", "utter_goodbye"),
        ("utter_goodbye", "END"),
    }
    # the two compare_reviews follow different searches: two nodes, not one
    labels = sorted(graph.label(n) for n in graph.graph)
    assert labels.count("compare_reviews") == 2 and len(labels) == 18
    assert graph.current_labels() == ["START", "greet", "utter_greet", "affirm", "utter_ask_help", "search_concerts"]
    assert {graph.label(n) for n in graph.graph if graph.flag(n, "current")} == set(graph.current_labels())
    assert graph.divergence is None
    assert graph.note == "8 less similar stories left out"
    current_edges = {
        (graph.label(u), graph.label(v)) for u, v in graph.edge_pairs() if graph.edge_data(u, v)["current"]
    }
    assert current_edges == set(zip(graph.current_labels(), graph.current_labels()[1:]))


def test_formbot_form_conversation_ignores_slots_and_loop_events():
    domain, trackers = _bot("formbot")
    events = [
        *_turns("request_restaurant", ".restaurant_form"),
        ActiveLoop("restaurant_form"),
        SlotSet("requested_slot", "cuisine"),
        *_turns("stop", ".utter_ask_continue", "deny", ".action_deactivate_loop")[1:],
        ActiveLoop(None),
        ActionExecuted("action_cancel_booking"),
    ]
    graph = conversation_graph(events, trackers, domain, max_stories=2)
    assert graph.shown_stories == ["stop the form for good", "stop the form, then continue"]
    assert graph.labelled_edges() == {
        ("START", "request_restaurant"),
        ("request_restaurant", "restaurant_form"),
        ("restaurant_form", "stop"),
        ("stop", "utter_ask_continue"),
        ("utter_ask_continue", "deny"),
        ("deny", "action_deactivate_loop"),
        ("action_deactivate_loop", "action_cancel_booking"),
        ("action_cancel_booking", "END"),
        ("utter_ask_continue", "affirm"),
        ("affirm", "restaurant_form"),
        ("restaurant_form", "inform"),
        ("inform", "restaurant_form"),
        ("restaurant_form", "utter_submit"),
        ("utter_submit", "utter_slots_values"),
        ("utter_slots_values", "END"),
    }
    assert len(graph.graph) == 15
    assert graph.divergence is None
    forms = {graph.graph.nodes[n].get("action_kind") for n in graph.graph if graph.label(n) == "restaurant_form"}
    assert forms == {"form"}
    assert graph.graph.nodes[graph.current_path[-1]]["action_kind"] == "custom"


def test_equivalent_nodes_merge_by_label_and_last_steps():
    trackers = [_tracker("one", "a", ".x", "b", ".y", "c"), _tracker("two", "d", ".x", "b", ".y", "e")]

    def counts(max_history: int) -> dict[str, int]:
        graph = story_graph(trackers, max_history=max_history)
        labels = [graph.label(n) for n in graph.graph]
        return {label: labels.count(label) for label in "xby"}

    # a step is one node where it has the same label and the same `max_history` steps before it
    assert counts(1) == {"x": 2, "b": 1, "y": 1}
    assert counts(2) == {"x": 2, "b": 2, "y": 1}
    assert counts(3) == {"x": 2, "b": 2, "y": 2}
    graph = story_graph(trackers, max_history=2)
    merged = next(n for n in graph.graph if graph.label(n) == "y")
    assert sorted(graph.graph.nodes[merged]["stories"]) == ["one", "two"]
    assert {graph.label(v) for v in graph.successors(merged)} == {"c", "e"}
    assert {graph.label(u) for u in graph.graph.predecessors(merged)} == {"b"}
    assert len(list(graph.graph.predecessors(merged))) == 2


def test_same_steps_in_two_stories_are_one_path():
    trackers = [_tracker("one", "a", ".x"), _tracker("two", "a", ".x"), _tracker("rule", "a", ".z")]
    trackers[2].is_rule = True
    graph = story_graph(trackers)
    assert graph.shown_stories == ["one / two"]
    assert graph.labelled_edges() == {("START", "a"), ("a", "x"), ("x", "END")}


def test_divergence_marks_the_first_step_no_story_has():
    domain, trackers = _bot("concertbot")
    graph = conversation_graph(_turns("greet", ".utter_greet", "bot_challenge", ".utter_iamabot"), trackers, domain)
    assert graph.label(graph.divergence) == "bot_challenge"
    assert graph.current_path.index(graph.divergence) == 3
    assert [n for n in graph.graph if graph.flag(n, "divergence")] == [graph.divergence]
    # from the divergence on the conversation has nodes of its own
    for node in graph.current_path[3:]:
        assert graph.graph.nodes[node]["stories"] == []
    assert all(graph.label(n) == "greet" for n in graph.successors(START) if graph.flag(n, "current"))


def test_a_conversation_like_no_story_keeps_none_and_diverges_at_once():
    domain, trackers = _bot("concertbot")
    graph = conversation_graph(_turns("bot_challenge"), trackers, domain)
    assert graph.shown_stories == []
    assert graph.note == "10 less similar stories left out"
    assert graph.current_labels() == ["START", "bot_challenge"]
    assert graph.divergence == graph.current_path[1]
    assert END not in graph.graph


def test_undone_turns_are_not_drawn():
    domain, trackers = _bot("concertbot")
    events = [*_turns("greet", ".utter_greet", "deny"), UserUtteranceReverted(), *_turns("affirm")[1:]]
    graph = conversation_graph(events, trackers, domain)
    assert graph.current_labels() == ["START", "greet", "utter_greet", "affirm"]


def test_prediction_marks_the_next_story_node_or_a_node_of_its_own():
    domain, trackers = _bot("concertbot")
    following = conversation_graph(_turns(*CONCERT_FAN), trackers, domain, predicted_action="action_search_concerts")
    node = following.predicted
    assert following.label(node) == "action_search_concerts" and following.flag(node, "predicted")
    assert following.graph.nodes[node]["stories"]  # a story's node, not a new one
    assert not following.flag(node, "current")
    assert following.edge_data(following.current_path[-1], node)["predicted"]

    elsewhere = conversation_graph(_turns(*CONCERT_FAN), trackers, domain, predicted_action="utter_goodbye")
    node = elsewhere.predicted
    assert elsewhere.graph.nodes[node]["stories"] == [] and elsewhere.flag(node, "predicted")
    assert elsewhere.successors(node) == []
    assert [n for n in elsewhere.graph if elsewhere.flag(n, "predicted")] == [node]

    listening = conversation_graph(_turns(*CONCERT_FAN), trackers, domain, predicted_action="action_listen")
    assert listening.predicted is None


def test_story_limit_keeps_the_most_similar_and_says_how_many_are_left_out():
    domain, trackers = _bot("concertbot")
    one = conversation_graph(_turns(*CONCERT_FAN), trackers, domain, max_stories=1)
    assert one.shown_stories == ["music fan compares concerts"]
    assert one.note == "9 less similar stories left out"
    every = conversation_graph(_turns("greet"), trackers, domain, max_stories=50)
    starting_with_greet = [
        n for n, s in [(t.name, t.events) for t in trackers if not t.is_rule] if s[1].intent_name == "greet"
    ]
    assert sorted(every.shown_stories) == sorted(starting_with_greet)
    assert every.note == f"{10 - len(starting_with_greet)} less similar stories left out"


# -- drawing -----------------------------------------------------------------------------------


def test_layout_puts_each_step_below_the_one_before_and_never_overlaps_nodes():
    domain, trackers = _bot("formbot")
    graph = story_graph(trackers, domain)
    layout = graph_layout(graph)
    for u, v in graph.edge_pairs():
        points = layout.routes[(u, v)]
        assert len(points) >= 2
    forward = [(u, v) for u, v in graph.edge_pairs() if layout.positions[v][1] > layout.positions[u][1]]
    assert len(forward) >= len(graph.edge_pairs()) - 3  # only the form's loops point back up
    for layer in layout.layers:
        boxes = sorted((layout.positions[n][0], n) for n in layer)
        for (x1, a), (x2, b) in itertools.pairwise(boxes):
            assert x2 - x1 >= (node_size(graph, a)[0] + node_size(graph, b)[0]) / 2


def test_the_current_path_is_the_leftmost_line():
    domain, trackers = _bot("concertbot")
    graph = conversation_graph(_turns("greet", ".utter_greet", "affirm"), trackers, domain)
    layout = graph_layout(graph)
    for layer in layout.layers:
        on_path = [n for n in layer if graph.flag(n, "current")]
        if on_path:
            assert layer[0] == on_path[0]


@pytest.mark.parametrize("bot", ["concertbot", "formbot", "moodbot"])
def test_text_fits_80_columns_and_marks_the_path(bot):
    domain, trackers = _bot(bot)
    first = next(t for t in trackers if not t.is_rule)
    conversation = [*first.events[:6], *_turns("bot_challenge")[1:]]
    graph = conversation_graph(conversation, trackers, domain, predicted_action="utter_iamabot")
    lines = render_text(graph)
    assert all(len(line) <= 80 for line, _ in lines)
    tags = [tag for _, tag in lines]
    assert tags[0] == "note" and "divergence" in tags and "predicted" in tags
    marked = [line for line, tag in lines if tag in ("current", "divergence")]
    assert len(marked) == len(graph.current_path)
    assert all(line[0] in ">!" for line in marked)
    assert any("* bot_challenge" in line and "not in the stories" in line for line in marked)


def test_text_of_big_graphs_and_narrow_panes_still_fits():
    domain = load_domain(COMPAT / "formbot-1x" / "domain.yml")
    stories = load_training_data([COMPAT / "formbot-1x" / "data"]).stories
    graph = story_graph(training_trackers(stories, domain, augmentation_factor=0), domain)
    assert len(graph.shown_stories) >= 5
    for width in (80, 40):
        lines = render_text(graph, width)
        assert all(len(line) <= width for line, _ in lines)
        assert sum(1 for _, tag in lines if tag == "end") >= 1


def test_svg_escapes_labels_and_marks_flags():
    trackers = [_tracker("odd", "<script>", ".utter_&")]
    graph = conversation_graph(_turns("<script>", ".other"), trackers, predicted_action="utter_x")
    svg = render_svg(graph)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "utter_&amp;" in svg
    assert 'class="sg-node sg-action sg-current sg-divergence"' in svg
    assert "sg-predicted" in svg and "stroke-dasharray" in svg


def _external_references(text: str) -> list[str]:
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", text)
    return re.findall(r"https?://[^\s\"'<>]*", without_namespaces)


def test_botcoach_visualize_writes_a_self_contained_page(tmp_path):
    out = tmp_path / "graph.html"
    bot = SAMPLES / "concertbot"
    assert main(["visualize", "-s", str(bot / "data"), "-d", str(bot / "domain.yml"), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert _external_references(html) == []
    assert '<link rel="icon" href="data:,">' in html
    assert "<script" not in html and " src=" not in html and "@import" not in html and "url(http" not in html
    assert html.count('class="sg-node') == len(story_graph(_bot("concertbot")[1]).graph)
    assert "action_show_venue_reviews" in html and "Stories of concertbot" in html


def test_botcoach_visualize_reports_a_missing_domain(tmp_path):
    code = main(
        [
            "visualize",
            "-s",
            str(SAMPLES / "moodbot" / "data"),
            "-d",
            str(tmp_path / "none.yml"),
            "--out",
            str(tmp_path / "g.html"),
        ]
    )
    assert code == 1 and not (tmp_path / "g.html").exists()


# -- server ------------------------------------------------------------------------------------


def _get(url: str) -> tuple[int, dict, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, dict(response.headers), response.read().decode("utf-8")


def test_server_answers_on_localhost_and_serves_updates():
    domain, trackers = _bot("moodbot")
    server = VisualizationServer(port=0)
    ok, message = server.start()
    try:
        assert ok and f"http://127.0.0.1:{server.port}/visualization.html" in message
        status, headers, page = _get(server.url)
        assert status == 200 and "text/html" in headers["Content-Type"]
        assert _external_references(page) == [] and '<link rel="icon" href="data:,">' in page
        assert "setTimeout(poll, 500)" in page
        server.update(conversation_graph(_turns("greet", ".utter_greet", "mood_great"), trackers, domain))
        base = f"http://127.0.0.1:{server.port}"
        status, headers, svg = _get(f"{base}/graph.svg?known=0")
        assert status == 200 and headers["X-Graph-Version"] == "1" and "mood_great" in svg
        status, _, body = _get(f"{base}/graph.svg?known=1")
        assert status == 204 and body == ""
        status, _, body = _get(f"{base}/graph.json")
        assert '"label": "mood_great"' in body and '"version": 1' in body
        request = urllib.request.Request(f"{base}/graph.json", headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 403
    finally:
        server.stop()


def test_server_reports_a_taken_port_and_frees_its_own_on_stop():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = VisualizationServer(port=port)
        ok, message = server.start()
        assert not ok and f"port {port}" in message and "already in use" in message
        server.stop()  # harmless after a failed start
    server = VisualizationServer(port=port)
    assert server.start()[0]
    server.stop()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))  # the port is free again


def test_render_html_without_live_version_has_no_script():
    graph = story_graph([_tracker("s", "a", ".b")])
    assert "<script" not in render_html(graph, "t") and "fetch(" in render_html(graph, "t", live_version="3")


async def test_graph_pane_shows_the_tree_with_the_path_styled():
    domain, trackers = _bot("concertbot")
    graph = conversation_graph(_turns("greet", ".utter_greet", "bot_challenge"), trackers, domain)

    class Host(App):
        def compose(self):
            yield GraphPane()

    async with Host().run_test(size=(100, 30)) as pilot:
        pane = pilot.app.query_one(GraphPane)
        pane.update_graph(graph)
        await pilot.pause()
        text = pane.query_one("#graph-text", Static).render()
        plain = str(text)
        assert plain.splitlines() == [line for line, _ in render_text(graph)]
        styled = {str(text)[span.start : span.end]: str(span.style) for span in text.spans}
        divergence_line = next(line for line in plain.splitlines() if "bot_challenge" in line)
        greet_line = next(line for line in plain.splitlines() if "* greet" in line)
        deny_line = next(line for line in plain.splitlines() if "* deny" in line)
        assert "red" in styled[divergence_line] and "bold" in styled[divergence_line]
        assert styled[greet_line] != styled.get(deny_line) and TAG_STYLES["current"] != TAG_STYLES["user"]
