"""Acknowledged findings: `acknowledge CODE "reason"` silences a known warning where it lives."""

from __future__ import annotations

import json
import textwrap

from tests.cli.cli_helpers import run
from tests.conftest import PROGRAMS
from tierlang import load_program
from tierlang.render.guide import render_guide
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

CLASSIFIED = """
    program p {
      version "1"
    }

    metric workloads: count
    metric a: count
    metric b: count
    param spare = 3 {
      acknowledge TL250 "kept for the next version"
    }
    track t "Business" {
      acknowledge TL313 "The vendor's rule: big partners are held to the enterprise bar."
      choose ent when workloads >= 5 else smb
      variant ent {
        level d {
          require a >= 5
        }
      }
      variant smb {
        level d {
          require b >= 5
        }
      }
    }
"""


def _write(tmp_path, text: str, name: str = "p.tier"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_acknowledged_findings_are_kept_apart(tmp_path):
    result = load_program(_write(tmp_path, CLASSIFIED))
    assert result.ok and result.diagnostics == []
    assert sorted(d.code for d in result.acknowledged) == ["TL250", "TL313"]
    ack = next(d for d in result.acknowledged if d.code == "TL313")
    assert ack.data["acknowledged"].startswith("The vendor's rule")


def test_check_counts_them_strict_passes_and_all_findings_lists_them(tmp_path):
    path = str(_write(tmp_path, CLASSIFIED))
    quiet = run("check", "--strict", path)
    assert quiet.exit_code == 0
    assert "TL313" not in quiet.stdout
    assert "no problems (2 acknowledged: --all-findings lists them)" in quiet.stderr
    loud = run("check", "--all-findings", path)
    assert loud.exit_code == 0
    assert "warning[TL313]" in loud.stdout and "(acknowledged)" in loud.stdout
    assert "acknowledged: The vendor's rule" in loud.stdout
    data = json.loads(run("check", "--all-findings", "--format", "json", path).stdout)
    assert {d["code"]: d["data"]["acknowledged"] for d in data}["TL250"] == "kept for the next version"
    assert json.loads(run("check", "--format", "json", path).stdout) == []


def test_an_acknowledgement_elsewhere_does_not_silence(tmp_path):
    text = CLASSIFIED.replace('      acknowledge TL313 "The vendor\'s rule: big partners are held to the enterprise bar."\n', "")
    text += '    track other {\n      acknowledge TL313 "misplaced"\n      level x\n    }\n'
    result = load_program(_write(tmp_path, text))
    codes = sorted(d.code for d in result.diagnostics)
    assert codes == ["TL260", "TL313"]
    stale = next(d for d in result.diagnostics if d.code == "TL260")
    assert stale.message == "nothing to acknowledge: no TL313 finding in track other"


def test_errors_cannot_be_acknowledged(tmp_path):
    text = 'program p { version "1" }\nmetric m: count\ntrack t { acknowledge TL202 "no" level l { require m >= true } }\n'
    result = load_program(_write(tmp_path, text))
    assert not result.ok
    assert any(d.code == "TL202" for d in result.errors)


def test_errors_ack_tells_why(tmp_path):
    # an acknowledged error code next to a warning-only program: the acknowledgement is stale
    text = 'program p { version "1" }\nmetric m: count\ntrack t { acknowledge TL202 "not an error here" level l { require m >= 1 } }\n'
    (d,) = load_program(_write(tmp_path, text)).diagnostics
    assert d.code == "TL260"


def test_shipped_programs_pass_strict():
    result = run("check", "--strict", *sorted(str(p) for p in PROGRAMS.glob("*.tier")))
    assert result.exit_code == 0, result.stdout
    assert "acknowledged" in result.stderr
    listed = run("check", "--all-findings", str(PROGRAMS / "cloudpartner2022.tier"))
    assert "warning[TL313]" in listed.stdout and "Microsoft's rule" in listed.stdout


def test_the_guide_shows_the_reason(tmp_path):
    program = load_program(_write(tmp_path, CLASSIFIED)).program
    md = render_guide(program, audience="reviewer")
    assert "> **Known finding** (a classification that can choose a stricter variant, TL313): The vendor's rule" in md
    assert "## Known findings" in md and "| Parameter spare |" not in md
    assert "kept for the next version" in md
    html = render_guide(program, "html", audience="reviewer")
    assert 'id="findings"' in html and "The vendor&#39;s rule" in html
    # partners read the reason as a note, without the checker's codes
    partners = render_guide(program)
    assert "> **Note:** The vendor's rule" in partners and "TL313" not in partners and "## Known findings" not in partners


def test_formatter_keeps_acknowledgements():
    text = textwrap.dedent(CLASSIFIED).lstrip()
    once = format_module(parse(text).module)
    assert format_module(parse(once).module) == once
    assert 'acknowledge TL250 "kept for the next version"' in once and "acknowledge TL313 \"The vendor's rule" in once
    long = text.replace("The vendor's rule: big partners are held to the enterprise bar.", "x " * 60 + "end")
    once = format_module(parse(long).module)
    assert 'acknowledge TL313 """' in once and format_module(parse(once).module) == once


def test_a_child_program_inherits_the_acknowledgement(tmp_path):
    _write(tmp_path, CLASSIFIED, "parent.tier")
    child = _write(tmp_path, 'program c {\n  extends "parent.tier"\n  version "2"\n}\n', "child.tier")
    result = load_program(child)
    assert result.ok and result.diagnostics == [] and {d.code for d in result.acknowledged} == {"TL250", "TL313"}


def test_content_hash_leaves_out_where_an_acknowledgement_is_written(tmp_path):
    # Found by `make fuzz`: the hash of a program with an acknowledgement held its file and
    # lines, so `tier fmt` (or moving the file) "changed the program".
    text = textwrap.dedent(CLASSIFIED)
    (tmp_path / "a.tier").write_text(text)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.tier").write_text(text.replace("metric workloads", "\n\nmetric workloads"))
    a = load_program(tmp_path / "a.tier", checks=False).program
    b = load_program(tmp_path / "sub" / "b.tier", checks=False).program
    assert a.acknowledgements[0].scope != b.acknowledgements[0].scope
    assert a.content_hash == b.content_hash


def test_an_acknowledged_finding_is_searched_only_when_read(tmp_path, monkeypatch):
    # Its witness search is most of a check's time, and `tier check` only counts it. (A
    # program cache entry keeps the finding whole: this is the load without it.)
    from tierlang.diagnostics import Deferred
    from tierlang.passes.monotonicity import analyse

    monkeypatch.setenv("TIER_NO_CACHE", "1")
    result = load_program(_write(tmp_path, CLASSIFIED))
    deferred = [d for d in result.quiet if d.code == "TL313"]
    assert len(deferred) == 1 and isinstance(deferred[0], Deferred) and deferred[0].notes == ()
    whole = next(d for d in result.acknowledged if d.code == "TL313")
    assert not isinstance(whole, Deferred) and whole.data["confirmed"] and whole.data["acknowledged"].startswith("The vendor's")
    (eager,) = analyse(result.program).diagnostics(result.program)
    assert (whole.message, whole.notes, whole.hint) == (eager.message, eager.notes, eager.hint)
    assert {k: v for k, v in whole.data.items() if not k.startswith("acknowledged")} == eager.data


def test_findings_after_an_acknowledged_one_keep_their_witnesses(tmp_path):
    # The searches share one budget in program order: an acknowledged finding before one that
    # is shown is searched at once, so the shown one's witness does not depend on reading it.
    from tierlang.diagnostics import Deferred

    text = (
        CLASSIFIED
        + """
    track u "Other" {
      choose big when workloads >= 7 else small
      variant big {
        level d {
          require a >= 9
        }
      }
      variant small {
        level d {
          require b >= 1
        }
      }
    }
"""
    )
    result = load_program(_write(tmp_path, text))
    assert [d.code for d in result.diagnostics] == ["TL313"] and result.diagnostics[0].data["confirmed"]
    assert not any(isinstance(d, Deferred) for d in result.quiet)
