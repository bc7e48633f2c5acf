"""Lookups by name in the IR take constant time: a track with hundreds of variants (or a
long ladder) must not make every rule that names one scan them all (issue 17: 2.7 s of
`Track.variant` on a program with 400 variants)."""

from __future__ import annotations

from tests.resources.shapes import program
from tierlang import load_program


class _Counted(tuple):
    """A tuple that counts how often it is iterated."""

    iterations = 0

    def __iter__(self):
        type(self).iterations += 1
        return super().__iter__()


def _track(shape: str, n: int):
    prog = load_program("p.tier", text=program(shape, n), checks=False).program
    return prog.track_map["t"]


def test_variant_by_name_does_not_scan_the_variants():
    import dataclasses

    track = _track("variants", 50)
    counted = dataclasses.replace(track, variants=_Counted(track.variants))
    _Counted.iterations = 0
    for _ in range(3):
        for v in track.variants:
            assert counted.variant(v.name) is v
    assert _Counted.iterations <= 1  # the index is built once


def test_level_by_name_does_not_rebuild_the_ladder():
    import dataclasses

    track = _track("variants", 3)
    first = dataclasses.replace(track.variants[0], levels=_Counted(track.variants[0].levels))
    counted = dataclasses.replace(track, variants=(first, *track.variants[1:]))
    _Counted.iterations = 0
    for _ in range(100):
        assert [counted.level_index(n) for n in ("silver", "gold", None)] == [0, 1, -1]
    assert _Counted.iterations <= 1


def test_score_by_name_does_not_scan_the_scores():
    import dataclasses

    variant = _track("variants", 2).variants[0]
    counted = dataclasses.replace(variant, scores=_Counted(variant.scores))
    _Counted.iterations = 0
    for _ in range(100):
        assert counted.score("s") is variant.scores[0] and counted.score("nope") is None
    assert _Counted.iterations <= 1
