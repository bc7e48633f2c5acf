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

__all__ = ["Solution", "solve", "fewest_new_people", "need_sets", "MAX_NEEDS"]

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
    net = _Network(needs, can_fill, capacity)
    net.fill()
    people = net.people
    assigned = {name: [people[k] for k in net.filled_by(name) if k < len(people)] for name, _ in needs}
    if net.flow == net.total:
        return Solution(True, assigned)
    # the minimum cut: what the source still reaches (needs left short, and the people they
    # can draw on, all of them already full)
    seen = _reachable(net.graph, net.source)
    short = [name for name, _ in needs if net.index[name] in seen]
    pool = [p for p in people if can_fill[p] & set(short)]
    needed = sum(c for name, c in needs if name in short)
    available = sum(min(capacity, len(can_fill[p] & set(short))) for p in pool)
    return Solution(False, assigned, short, pool, needed, available)


def fewest_new_people(
    needs: Sequence[tuple[str, int]], can_fill: Mapping[object, set[str]], capacity: int = 1
) -> list[tuple[tuple[str, ...], int]]:
    """The fewest new people that would let every need be met, as groups of people who fill
    the same needs: (the needs, in the order of `needs`, at most `capacity` of them; how many
    people), empty when the needs are met already. Exact: a new person who could fill every need is the most any
    new person can add, and k such people can take any f_n places of each need n exactly
    when every f_n <= k and their sum <= k * capacity (dealt out in turn, no person gets a
    need twice), so k of them are one node of those capacities in `solve`'s network; the
    least k whose flow meets every need is found by halving (the work does not grow with
    the counts). The flow is only extended from the partner's own maximum, so the people
    already assigned keep their places where they can and the new ones take what is short."""
    net = _Network(needs, can_fill, capacity)
    net.fill()
    short = net.total - net.flow
    if short == 0:
        return []

    def with_new(k: int) -> _Network:
        trial = net.copy()
        trial.add_people(k)
        trial.fill()
        return trial

    lo, hi = 1, short  # `short` new people, one per missing place, always do
    while lo < hi:
        mid = (lo + hi) // 2
        if with_new(mid).flow == net.total:
            hi = mid
        else:
            lo = mid + 1
    return _deal(lo, [(name, n) for name, n in with_new(lo).new_places().items()])


def _deal(k: int, places: list[tuple[str, int]]) -> list[tuple[tuple[str, ...], int]]:
    """`places` (need, how many places, each at most k) dealt in turn to k people: the
    places of a need go to a run of people (from where the last need's run ended, round
    the circle), so no one gets a need twice. Said as groups of people with the same needs,
    found from the runs' ends (the work grows with the needs, not with k)."""
    runs = []
    ends = {0, k}
    start = 0
    for name, n in places:
        runs.append((name, start, n))
        ends.update((start, (start + n) % k))
        start = (start + n) % k
    groups: dict[tuple[str, ...], int] = {}
    cuts = sorted(ends)
    for a, b in zip(cuts, cuts[1:]):
        fills = tuple(name for name, first, n in runs if (a - first) % k < n)
        if fills:
            groups[fills] = groups.get(fills, 0) + b - a
    return list(groups.items())


class _Network:
    """`solve`'s flow network and its maximum flow (Edmonds-Karp): source → need (its count)
    → person (1, where the person can fill the need) → sink (`capacity`)."""

    def __init__(self, needs: Sequence[tuple[str, int]], can_fill: Mapping[object, set[str]], capacity: int) -> None:
        self.needs = list(needs)
        self.people = sorted(can_fill, key=str)
        self.capacity = capacity
        # nodes: 0 source, 1 sink, 2.. needs, then people (new people after them)
        self.source, self.sink = 0, 1
        self.graph: list[dict[int, int]] = [{}, {}]
        self.index = {}
        for name, count in self.needs:
            self.index[name] = self._node()
            self._edge(self.source, self.index[name], count)
        self.person_nodes: list[int] = []
        for person in self.people:
            self._person(can_fill[person])
        self.flow = 0
        self.total = sum(c for _, c in self.needs)

    def _node(self) -> int:
        self.graph.append({})
        return len(self.graph) - 1

    def _edge(self, a: int, b: int, cap: int) -> None:
        self.graph[a][b] = self.graph[a].get(b, 0) + cap
        self.graph[b].setdefault(a, 0)

    def _person(self, names: set[str]) -> None:
        node = self._node()
        self.person_nodes.append(node)
        for name, _ in self.needs:
            if name in names:
                self._edge(self.index[name], node, 1)
        self._edge(node, self.sink, self.capacity)

    def copy(self) -> _Network:
        """The network with its flow, to be extended without changing this one."""
        other = object.__new__(_Network)
        other.__dict__.update(self.__dict__)
        other.graph = [dict(d) for d in self.graph]
        other.person_nodes = list(self.person_nodes)
        return other

    def add_people(self, k: int) -> None:
        """`k` new people who can fill every need, as one node (`fewest_new_people`)."""
        self.new = self._node()
        for name, _ in self.needs:
            self._edge(self.index[name], self.new, k)
        self._edge(self.new, self.sink, k * self.capacity)

    def new_places(self) -> dict[str, int]:
        """The places of each need the new people take."""
        return {name: self.graph[self.new].get(i, 0) for name, i in self.index.items() if self.graph[self.new].get(i, 0)}

    def fill(self) -> None:
        """Augment the flow until it meets every need or no path is left."""
        while self.flow < self.total:
            parent = _augmenting_path(self.graph, self.source, self.sink)
            if parent is None:
                return
            # the bottleneck of the path, then push it
            v, push = self.sink, self.total - self.flow
            while v != self.source:
                u = parent[v]
                push = min(push, self.graph[u][v])
                v = u
            v = self.sink
            while v != self.source:
                u = parent[v]
                self.graph[u][v] -= push
                self.graph[v][u] += push
                v = u
            self.flow += push

    def filled_by(self, name: str) -> list[int]:
        """The people (by their place: `people`, then new people) the flow gives `name`."""
        i = self.index[name]
        return [k for k, node in enumerate(self.person_nodes) if node in self.graph[i] and self.graph[node].get(i, 0) > 0]


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
