"""People rules, exactly: can the people be assigned to the needs so that every need gets its
count of distinct people and no person fills more than `capacity` needs?

A bipartite flow: source → need (capacity: its count) → person (1, where the person can fill
the need) → sink (capacity: how many needs a person may fill). Every need is met exactly when
the maximum flow equals the sum of the counts (the classic reduction of an assignment with
capacities; Edmonds-Karp, polynomial). When no assignment exists, the minimum cut says why:
the needs on the source side cannot be filled from the people they reach.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Solution", "solve", "need_sets", "MAX_NEEDS"]

#: The most needs (that ask for someone) whose sets `need_sets` lists: 2^n − 1 of them.
MAX_NEEDS = 10


@dataclass
class Solution:
    """`assigned`: need -> the people filling it (in a fill that meets every need when
    `feasible`, else the most that can be filled). `short`: when infeasible, a set of needs
    that cannot all be met together: they need `needed` places, and the people who can fill
    any of them (`reach`) can take only `available` of those places."""

    feasible: bool
    assigned: dict[str, list[object]]
    short: list[str] = field(default_factory=list)
    reach: list[object] = field(default_factory=list)
    needed: int = 0
    available: int = 0


def solve(needs: Sequence[tuple[str, int]], can_fill: Mapping[object, set[str]], capacity: int = 1) -> Solution:
    """`needs`: (name, count) in order; `can_fill`: person -> the needs they can fill."""
    people = sorted(can_fill, key=str)
    n_needs = len(needs)
    # nodes: 0 source, 1..n needs, n+1.. people, last sink
    source, sink = 0, n_needs + len(people) + 1
    graph: list[dict[int, int]] = [dict() for _ in range(sink + 1)]

    def edge(a: int, b: int, cap: int) -> None:
        graph[a][b] = graph[a].get(b, 0) + cap
        graph[b].setdefault(a, 0)

    index = {name: i + 1 for i, (name, _) in enumerate(needs)}
    for name, count in needs:
        edge(source, index[name], count)
    for k, person in enumerate(people):
        node = n_needs + 1 + k
        for name in can_fill[person]:
            if name in index:
                edge(index[name], node, 1)
        edge(node, sink, capacity)
    flow = 0
    total = sum(c for _, c in needs)
    while flow < total:
        parent = _augmenting_path(graph, source, sink)
        if parent is None:
            break
        # the bottleneck of the path, then push it
        v, push = sink, total - flow
        while v != source:
            u = parent[v]
            push = min(push, graph[u][v])
            v = u
        v = sink
        while v != source:
            u = parent[v]
            graph[u][v] -= push
            graph[v][u] += push
            v = u
        flow += push
    assigned: dict[str, list[object]] = {name: [] for name, _ in needs}
    for name, _ in needs:
        i = index[name]
        for k, person in enumerate(people):
            node = n_needs + 1 + k
            if node in graph[i] and name in can_fill[person] and graph[node].get(i, 0) > 0:
                assigned[name].append(person)
    if flow == total:
        return Solution(True, assigned)
    # the minimum cut: what the source still reaches (needs left short, and the people they
    # can draw on, all of them already full)
    seen = _reachable(graph, source)
    short = [name for name, _ in needs if index[name] in seen]
    pool = [p for p in people if can_fill[p] & set(short)]
    needed = sum(c for name, c in needs if name in short)
    available = sum(min(capacity, len(can_fill[p] & set(short))) for p in pool)
    return Solution(False, assigned, short, pool, needed, available)


def _augmenting_path(graph: list[dict[int, int]], source: int, sink: int) -> dict[int, int] | None:
    parent = {source: source}
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for v, cap in graph[u].items():
            if cap > 0 and v not in parent:
                parent[v] = u
                if v == sink:
                    return parent
                queue.append(v)
    return None


def _reachable(graph: list[dict[int, int]], source: int) -> set[int]:
    seen = {source}
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for v, cap in graph[u].items():
            if cap > 0 and v not in seen:
                seen.add(v)
                queue.append(v)
    return seen


def need_sets(counts: Sequence[int]) -> list[tuple[tuple[int, ...], int]] | None:
    """The sets of needs whose checks decide a people rule without a flow: every need is met
    exactly when, for every set S of needs, the places S asks for are at most what the
    people can give S, each person min(capacity, the needs of S they can fill). This is the
    max-flow min-cut theorem on `solve`'s network (a cut leaves the needs outside S on the
    source side; `Solution.short` is the S of a minimum cut). Each set as (the needs'
    indexes, the places they ask for), over the needs that ask for someone; None when more
    than `MAX_NEEDS` needs do (too many sets: use `solve`)."""
    asked = [i for i, c in enumerate(counts) if c > 0]
    if len(asked) > MAX_NEEDS:
        return None
    out = []
    for mask in range(1, 1 << len(asked)):
        chosen = tuple(asked[k] for k in range(len(asked)) if mask >> k & 1)
        out.append((chosen, sum(counts[i] for i in chosen)))
    return out
