"""The fuzz harness itself (`make fuzz`, tests/fuzz/run.py): it must notice a failure."""

from __future__ import annotations

import random
import time

import pytest

from tests.fuzz.run import (
    REPEAT,
    ROOT,
    Campaign,
    Runaway,
    check_dataset,
    check_program,
    deadline,
    mutate,
    run,
    summary,
    work_folder,
    write_data,
)

PROGRAM = 'program p { version "1" effective 2024-01-01 }\nmetric n: count\ntrack t { level a { require n >= 2 } }\n'


def test_mutations_are_reproducible_and_change_the_input():
    data = PROGRAM.encode()
    once = [mutate(data, random.Random(k)) for k in range(50)]
    assert once == [mutate(data, random.Random(k)) for k in range(50)]
    assert all(m != data for m in once[:10]) or sum(m != data for m in once) > 40


def test_a_failure_is_saved_and_the_run_goes_on(tmp_path):
    campaign = Campaign(tmp_path)

    def boom():
        raise ZeroDivisionError("planted")

    campaign.case("program", {"fuzz.tier": b"x"}, "what ran", boom)
    campaign.case("program", {"fuzz.tier": b"y"}, "what ran", lambda: "program refused")
    assert campaign.runs == {"program": 2} and campaign.outcomes == {"failure": 1, "program refused": 1}
    (folder,) = campaign.failures
    saved = (tmp_path / "program-0000" / "failure.txt").read_text()
    assert folder.endswith("program-0000") and "ZeroDivisionError: planted" in saved
    assert (tmp_path / "program-0000" / "fuzz.tier").read_bytes() == b"x"


def test_the_targets_run_the_real_commands(tmp_path):
    assert check_program(PROGRAM.encode(), tmp_path) == "program valid"
    assert check_program(b"program p {", tmp_path) == "program refused"
    for fmt in ("csv", "jsonl", "parquet"):
        path = tmp_path / f"clean.{fmt}"
        write_data(fmt, {"partner_id": ["A", "B"], "n": ["3", None]}, path)
        # B has no value and n has no default: a row with an error (exit 1, reported)
        assert check_dataset(PROGRAM, fmt, path.read_bytes(), "vectorized", tmp_path) == "eval exit 1", fmt


def test_a_repeated_case_is_counted_not_run_again(tmp_path):
    campaign = Campaign(tmp_path)
    ran = []
    for files in ({"fuzz.tier": b"x"}, {"fuzz.tier": b"x"}, {"fuzz.tier": b"x", "base.tier": b"y"}):
        campaign.case("program", files, "what ran", lambda: ran.append(1) or "program refused")
    assert len(ran) == 2 and campaign.runs == {"program": 3}
    assert campaign.outcomes == {"program refused": 2, REPEAT: 1}


def test_shipped_programs_find_their_parents(tmp_path):
    child = (ROOT / "programs" / "cloudpartner2022-enrolled.tier").read_bytes()
    assert b"extends" in child and check_program(child, work_folder(tmp_path)) == "program valid"


def test_a_runaway_is_stopped_by_cpu_time_or_by_real_time():
    with pytest.raises(Runaway, match="after 0.2 CPU seconds"), deadline(0.2):
        while True:
            pass
    start = time.perf_counter()
    with pytest.raises(Runaway, match="after 0.3 seconds"), deadline(5, wall=0.3):
        time.sleep(5)  # waiting uses no CPU time
    assert time.perf_counter() - start < 2


def test_a_run_counts_distinct_cases_and_resumes_from_its_state(tmp_path):
    state = tmp_path / "state"
    first = run(12, 2, seed=3, out=tmp_path / "out", state=state)
    assert first.distinct == {"program": 12, "dataset": 2} and not first.failures
    assert sum(first.runs.values()) >= 14  # repeats are drawn, not counted
    # the same command with larger targets goes on: nothing done is run again
    done = set(first.seen)
    again = Campaign(tmp_path / "out", state)
    assert set(again.seen) == done and again.distinct == first.distinct
    more = run(20, 2, seed=3, out=tmp_path / "out", state=state)
    ran = [d for d in more.seen if d not in done]
    assert more.distinct == {"program": 20, "dataset": 2} and len(ran) == 8
    assert summary([state])["programs"] == 20


def test_shards_share_a_campaign(tmp_path):
    a = run(6, 0, seed=4, out=tmp_path / "a", state=tmp_path / "a.state", shard=(0, 2))
    b = run(6, 0, seed=4, out=tmp_path / "b", state=tmp_path / "b.state", shard=(1, 2))
    assert a.distinct["program"] == b.distinct["program"] == 6
    assert set(a.seen) != set(b.seen)  # other chunks, other seeds
    total = summary([tmp_path / "a.state", tmp_path / "b.state"])
    assert total["programs"] == len(set(a.seen) | set(b.seen)) and total["failures"] == []
