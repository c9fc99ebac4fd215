"""A layered (Sugiyama-style) layout of our own, so drawing needs no Graphviz.

1. Cycles are cut: edges that point back on a depth-first walk from the root are drawn apart.
2. Longest-path layering: a node sits one layer below its deepest predecessor, so every story
   reads top to bottom.
3. Edges that skip layers get one invisible dummy node per skipped layer, so they bend around
   nodes instead of crossing them.
4. Barycentric ordering: sweeps down and up sort each layer by the mean position of its
   neighbours in the layer before; the order with the fewest crossings is kept. Nodes in `first`
   (the current conversation) stay leftmost, so that path is a straight line.
5. x coordinates: each node is pulled towards its neighbours' mean x, keeping order and gaps.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right, insort
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass

import networkx as nx

Point = tuple[float, float]


@dataclass
class Layout:
    positions: dict[Hashable, Point]  # centre of each node
    routes: dict[tuple[Hashable, Hashable], list[Point]]  # polyline from u's border to v's
    layers: list[list[Hashable]]  # real nodes of each layer, left to right
    width: float
    height: float


class _Dummy:
    """A bend point of an edge that skips layers; compared by identity, which keeps hashing cheap."""

    __slots__ = ("edge", "index")

    def __init__(self, edge: tuple[Hashable, Hashable], index: int):
        self.edge = edge
        self.index = index


def _walk(graph: nx.MultiDiGraph, root: Hashable | None) -> tuple[list[Hashable], set[tuple]]:
    """Depth-first discovery order from the root (then from any node not reached) and the back edges."""
    order: list[Hashable] = []
    back: set[tuple] = set()
    state: dict[Hashable, int] = {}  # 1 on the stack, 2 finished
    starts = ([root] if root in graph else []) + [n for n in graph if graph.in_degree(n) == 0] + list(graph)
    for start in starts:
        if start in state:
            continue
        state[start] = 1
        order.append(start)
        stack = [(start, iter(dict.fromkeys(graph.successors(start))))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                order.append(child)
                stack.append((child, iter(dict.fromkeys(graph.successors(child)))))
    return order, back


def _layering(order: list[Hashable], forward: list[tuple]) -> dict[Hashable, int]:
    dag = nx.DiGraph()
    dag.add_nodes_from(order)
    dag.add_edges_from(forward)
    layer: dict[Hashable, int] = {}
    for node in nx.topological_sort(dag):
        layer[node] = max((layer[u] + 1 for u in dag.predecessors(node)), default=0)
    return layer


def _crossings(upper: list, lower: list, links: list[tuple]) -> int:
    """Crossings between two adjacent layers: inversions of the lower ends once sorted by the upper."""
    up = {n: i for i, n in enumerate(upper)}
    low = {n: i for i, n in enumerate(lower)}
    pairs = sorted((up[u], low[v]) for u, v in links)
    seen: list[int] = []
    count = 0
    for _, b in pairs:
        count += len(seen) - bisect_right(seen, b)
        insort(seen, b)
    return count


def _order_layers(layers: list[list], preds: dict, succs: dict, first: Collection, sweeps: int) -> list[list]:
    layer_of = {node: i for i, layer in enumerate(layers) for node in layer}
    links: list[list[tuple]] = [[] for _ in layers]  # by the layer of the upper end
    for v, us in preds.items():
        for u in us:
            links[layer_of[u]].append((u, v))

    def total(candidate: list[list]) -> int:
        return sum(_crossings(candidate[i], candidate[i + 1], links[i]) for i in range(len(candidate) - 1))

    def sort_by(layer: list, neighbour_layer: list, neighbours: dict) -> list:
        position = {n: i for i, n in enumerate(neighbour_layer)}
        keyed = []
        for index, node in enumerate(layer):
            near = [position[n] for n in neighbours.get(node, ()) if n in position]
            keyed.append((node not in first, sum(near) / len(near) if near else float(index), index, node))
        return [item[3] for item in sorted(keyed, key=lambda item: item[:3])]

    current = [sorted(layer, key=lambda node: node not in first) for layer in layers]
    best, best_count = [list(layer) for layer in current], total(current)
    for sweep in range(sweeps):
        if sweep % 2 == 0:
            for i in range(1, len(current)):
                current[i] = sort_by(current[i], current[i - 1], preds)
        else:
            for i in range(len(current) - 2, -1, -1):
                current[i] = sort_by(current[i], current[i + 1], succs)
        count = total(current)
        if count < best_count:
            best, best_count = [list(layer) for layer in current], count
        if best_count == 0:
            break
    return best


def _x_positions(layers: list[list], width: Mapping, preds: dict, succs: dict, gap: float, rounds: int = 4) -> dict:
    x: dict = {}
    for layer in layers:
        cursor = 0.0
        for node in layer:
            x[node] = cursor + width[node] / 2
            cursor += width[node] + gap

    def place(layer: list, neighbours: dict) -> None:
        desired = [
            sum(x[n] for n in neighbours.get(node, ())) / len(neighbours[node]) if neighbours.get(node) else x[node]
            for node in layer
        ]
        placed: list[float] = []
        for i, node in enumerate(layer):
            if i == 0:
                placed.append(desired[0])
            else:
                previous = layer[i - 1]
                separation = width[previous] / 2 + gap + width[node] / 2
                placed.append(max(desired[i], placed[-1] + separation))
        shift = sum(d - p for d, p in zip(desired, placed)) / len(layer)
        for node, value in zip(layer, placed):
            x[node] = value + shift

    for _ in range(rounds):
        for layer in layers[1:]:
            place(layer, preds)
        for layer in reversed(layers[:-1]):
            place(layer, succs)
    return x


def layered_layout(
    graph: nx.MultiDiGraph,
    sizes: Mapping[Hashable, tuple[float, float]],
    root: Hashable | None = None,
    first: Collection[Hashable] = (),
    node_gap: float = 24.0,
    layer_gap: float = 36.0,
    margin: float = 16.0,
    sweeps: int = 12,
) -> Layout:
    """Positions for every node of `graph` (sizes are (width, height)) and a route for every edge."""
    if not graph:
        return Layout({}, {}, [], 2 * margin, 2 * margin)
    order, back = _walk(graph, root)
    pairs = list(dict.fromkeys((u, v) for u, v in graph.edges()))
    forward = [e for e in pairs if e not in back]
    layer_of = _layering(order, forward)
    depth = max(layer_of.values()) + 1
    layers: list[list] = [[] for _ in range(depth)]
    for node in order:
        layers[layer_of[node]].append(node)

    preds: dict = {}
    succs: dict = {}
    chains: dict[tuple, list] = {}
    for u, v in forward:
        chain = [u, *(_Dummy((u, v), i) for i in range(layer_of[u] + 1, layer_of[v])), v]
        for i, dummy in enumerate(chain[1:-1]):
            layers[layer_of[u] + 1 + i].append(dummy)
        for a, b in itertools.pairwise(chain):
            preds.setdefault(b, []).append(a)
            succs.setdefault(a, []).append(b)
        chains[(u, v)] = chain
    pinned = set(first) | {d for (u, v), c in chains.items() if u in first and v in first for d in c[1:-1]}
    layers = _order_layers(layers, preds, succs, pinned, sweeps)

    width = {n: (sizes[n][0] if not isinstance(n, _Dummy) else 0.0) for layer in layers for n in layer}
    row = max(h for _, h in sizes.values()) if sizes else 20.0
    x = _x_positions(layers, width, preds, succs, node_gap)
    left = min(x[n] - width[n] / 2 for n in x)
    y = {n: margin + row / 2 + i * (row + layer_gap) for i, layer in enumerate(layers) for n in layer}
    x = {n: value - left + margin for n, value in x.items()}
    half = {n: sizes[n][1] / 2 for n in graph}

    routes: dict[tuple, list[Point]] = {}
    for (u, v), chain in chains.items():
        inner = [(x[d], y[d]) for d in chain[1:-1]]
        routes[(u, v)] = [(x[u], y[u] + half[u]), *inner, (x[v], y[v] - half[v])]
    right = max(x[n] + width[n] / 2 for n in x)
    for k, (u, v) in enumerate(sorted(back, key=lambda e: (layer_of[e[0]], layer_of[e[1]], str(e)))):
        low, high = sorted((layer_of[u], layer_of[v]))
        around = [x[n] + width[n] / 2 for layer in layers[low : high + 1] for n in layer if not isinstance(n, _Dummy)]
        side = max(around) + 18 + 10 * k
        right = max(right, side)
        # out of u's bottom, along the gap below its layer, up the right side, along the gap
        # above v's layer and into v's top: the horizontal runs never cross a node
        shift = 4 * (k % 4)
        below = y[u] + half[u] + layer_gap / 2 - 6 + shift
        above = y[v] - half[v] - layer_gap / 2 + 6 - shift
        routes[(u, v)] = [
            (x[u], y[u] + half[u]),
            (x[u], below),
            (side, below),
            (side, above),
            (x[v], above),
            (x[v], y[v] - half[v]),
        ]
    real_layers = [[n for n in layer if not isinstance(n, _Dummy)] for layer in layers]
    positions = {n: (x[n], y[n]) for n in graph}
    bottom = max(y.values()) + row / 2
    return Layout(positions, routes, real_layers, right + margin, bottom + margin)
