"""The story graph as SVG, and the self-contained HTML page around it.

Nothing here refers to anything outside the document: no fonts, scripts, stylesheets or icons
are fetched (the page works offline and leaks nothing). Labels are escaped: they come from the
user's data. The only URL is the SVG namespace, which is a name, not a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from core.visualization.graph import START, StoryGraph
from core.visualization.layout import Layout, Point, layered_layout

CHAR_WIDTH = 7.3  # 12px monospace
NODE_HEIGHT = 26.0
MAX_LABEL = 34
TOP = 30.0  # room for the note above the drawing
SVG_NS = "http://www.w3.org/2000/svg"

_SVG_STYLE = """
.sg-node rect { stroke-width: 1.4; }
.sg-node text { font: 12px monospace; dominant-baseline: central; text-anchor: middle; }
.sg-user rect { fill: #e4eeff; stroke: #3a6db5; }
.sg-action rect { fill: #ffffff; stroke: #5a5a5a; }
.sg-start rect, .sg-end rect { fill: #3b3b3b; stroke: #3b3b3b; }
.sg-start text, .sg-end text { fill: #ffffff; font-weight: bold; }
.sg-current rect { stroke: #d9650b; stroke-width: 3; }
.sg-predicted rect { stroke: #d9650b; stroke-width: 2; stroke-dasharray: 5 4; fill: #fff7ef; }
.sg-divergence rect { fill: #ffe1e1; stroke: #c41919; stroke-width: 3; }
.sg-flag { font-style: italic; fill: #c41919; }
.sg-edge { fill: none; stroke: #9a9a9a; stroke-width: 1.3; }
.sg-edge.sg-current { stroke: #d9650b; stroke-width: 2.6; }
.sg-edge.sg-predicted { stroke: #d9650b; stroke-width: 2; stroke-dasharray: 5 4; }
.sg-note { font: 12px sans-serif; fill: #555555; }
"""


def short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def flag_text(graph: StoryGraph, node: str) -> str:
    """Said inside the box, so it never lands on a neighbour."""
    if graph.flag(node, "divergence"):
        return " ✗ not in the stories"
    if graph.flag(node, "predicted"):
        return " (predicted)"
    return ""


def node_size(graph: StoryGraph, node: str) -> tuple[float, float]:
    text = short(graph.label(node)) + flag_text(graph, node)
    return max(len(text), 3) * CHAR_WIDTH + 22, NODE_HEIGHT


def graph_layout(graph: StoryGraph) -> Layout:
    sizes = {node: node_size(graph, node) for node in graph.graph}
    return layered_layout(graph.graph, sizes, root=START, first=graph.current_path)


def _path_data(points: list[Point]) -> str:
    """Smooth vertical curves between layers; straight segments for the loops drawn at the side."""
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{x0:.1f},{y0:.1f}"]
    for x1, y1 in rest:
        if abs(y1 - y0) < 1e-6 or abs(x1 - x0) < 1e-6:
            parts.append(f"L{x1:.1f},{y1:.1f}")
        else:
            middle = (y0 + y1) / 2
            parts.append(f"C{x0:.1f},{middle:.1f} {x1:.1f},{middle:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(parts)


def _classes(graph: StoryGraph, node: str) -> str:
    flags = [name for name in ("current", "predicted", "divergence") if graph.flag(node, name)]
    return " ".join(["sg-node", f"sg-{graph.kind(node)}", *(f"sg-{f}" for f in flags)])


def _tooltip(graph: StoryGraph, node: str) -> str:
    data = graph.graph.nodes[node]
    lines = [f"{'intent' if data['kind'] == 'user' else data.get('action_kind', data['kind'])}: {data['label']}"]
    if data.get("predicted"):
        lines.append("predicted, not confirmed yet")
    if data.get("divergence"):
        lines.append("the conversation leaves the training stories here")
    stories = data.get("stories") or []
    if stories:
        more = f" and {len(stories) - 5} more" if len(stories) > 5 else ""
        lines.append("in: " + "; ".join(stories[:5]) + more)
    return "\n".join(lines)


def _nodes(graph: StoryGraph, layout: Layout) -> Iterable[str]:
    for node in graph.graph:
        x, y = layout.positions[node]
        width, height = node_size(graph, node)
        label = graph.label(node)
        rounding = height / 2 if graph.kind(node) in ("start", "end", "user") else 3
        yield (
            f'<g class="{_classes(graph, node)}" id="node-{escape(node)}" data-label="{escape(label)}">'
            f"<title>{escape(_tooltip(graph, node))}</title>"
            f'<rect x="{x - width / 2:.1f}" y="{y - height / 2:.1f}" width="{width:.1f}" height="{height:.1f}" '
            f'rx="{rounding:.1f}"/>'
            f'<text x="{x:.1f}" y="{y:.1f}">{escape(short(label))}'
        )
        flag = flag_text(graph, node)
        if flag:
            yield f'<tspan class="sg-flag">{escape(flag)}</tspan>'
        yield "</text></g>"


def _edges(graph: StoryGraph, layout: Layout) -> Iterable[str]:
    for u, v in graph.edge_pairs():
        data = graph.edge_data(u, v)
        kind = "predicted" if data.get("predicted") else "current" if data.get("current") else ""
        classes = "sg-edge" + (f" sg-{kind}" if kind else "")
        marker = "sg-arrow-hi" if kind else "sg-arrow"
        yield (
            f'<path class="{classes}" data-source="{escape(u)}" data-target="{escape(v)}" '
            f'd="{_path_data(layout.routes[(u, v)])}" marker-end="url(#{marker})"/>'
        )


def render_svg(graph: StoryGraph) -> str:
    """A standalone SVG document (also fine inline in HTML)."""
    layout = graph_layout(graph)
    width = max(layout.width, 420.0)
    height = layout.height + TOP
    parts = [
        f'<svg xmlns="{SVG_NS}" class="story-graph" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="story graph">',
        f"<style>{_SVG_STYLE}</style>",
        "<defs>",
        '<marker id="sg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#9a9a9a"/></marker>',
        '<marker id="sg-arrow-hi" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#d9650b"/></marker>',
        "</defs>",
    ]
    stories = len(graph.shown_stories)
    caption = f"{stories} training {'story' if stories == 1 else 'stories'}" + (f"; {graph.note}" if graph.note else "")
    parts.append(f'<text class="sg-note" x="16" y="18">{escape(caption)}</text>')
    parts.append(f'<g transform="translate(0,{TOP:.0f})">')
    parts.extend(_edges(graph, layout))
    parts.extend(_nodes(graph, layout))
    parts.append("</g></svg>")
    return "\n".join(parts)


_PAGE_STYLE = """
body { margin: 0; font: 14px sans-serif; color: #222; background: #fafafa; }
header { padding: 8px 16px; border-bottom: 1px solid #ddd; background: #fff; position: sticky; top: 0; }
header h1 { font-size: 16px; margin: 0 0 4px 0; }
.legend span { margin-right: 14px; white-space: nowrap; }
.key { display: inline-block; width: 14px; height: 10px; margin-right: 4px; border: 1.5px solid;
       vertical-align: middle; }
#status { float: right; color: #777; }
main { padding: 8px; overflow: auto; }
"""

_LEGEND_STORIES = (
    '<span><i class="key" style="background:#e4eeff;border-color:#3a6db5;border-radius:6px"></i>user intent</span>'
    '<span><i class="key" style="background:#fff;border-color:#5a5a5a"></i>bot action</span>'
)
_LEGEND_CONVERSATION = (
    '<span><i class="key" style="border-color:#d9650b;border-width:3px"></i>this conversation</span>'
    '<span><i class="key" style="border-color:#d9650b;border-style:dashed"></i>predicted</span>'
    '<span><i class="key" style="background:#ffe1e1;border-color:#c41919"></i>not in the training stories</span>'
)

# Polls for a newer drawing every 500 ms; 204 means "still the same". Same-origin only.
_POLL_SCRIPT = """
(function () {
  var version = "%(version)s";
  var box = document.getElementById("graph");
  var status = document.getElementById("status");
  function poll() {
    fetch("/graph.svg?known=" + encodeURIComponent(version), {cache: "no-store"})
      .then(function (response) {
        status.textContent = "live";
        var next = response.headers.get("X-Graph-Version");
        return response.text().then(function (svg) {
          if (response.status === 200 && next && next !== version && svg) { version = next; box.innerHTML = svg; }
        });
      })
      .catch(function () { status.textContent = "botcoach is not answering"; })
      .then(function () { setTimeout(poll, 500); });
  }
  setTimeout(poll, 500);
})();
"""


def render_html(graph: StoryGraph, title: str, live_version: str | None = None) -> str:
    """A page that needs nothing else; with `live_version` it polls the server for updates."""
    script = f"<script>{_POLL_SCRIPT % {'version': escape(live_version)}}</script>" if live_version else ""
    status = '<span id="status">connecting…</span>' if live_version else ""
    legend = _LEGEND_STORIES + (_LEGEND_CONVERSATION if live_version or graph.current_path else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<link rel="icon" href="data:,">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_PAGE_STYLE}</style></head>\n"
        f'<body><header>{status}<h1>{escape(title)}</h1><div class="legend">{legend}</div></header>\n'
        f'<main id="graph">{render_svg(graph)}</main>\n'
        f"{script}</body></html>\n"
    )
