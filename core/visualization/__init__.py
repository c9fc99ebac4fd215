"""Conversation and story graphs: built with networkx, laid out by us, drawn as SVG, HTML or text."""

from core.visualization.graph import END, START, Step, StoryGraph, conversation_graph, story_graph
from core.visualization.server import VisualizationServer
from core.visualization.svg import render_html, render_svg
from core.visualization.text import render_plain, render_text

__all__ = [
    "END",
    "START",
    "Step",
    "StoryGraph",
    "VisualizationServer",
    "conversation_graph",
    "render_html",
    "render_plain",
    "render_svg",
    "render_text",
    "story_graph",
]
