"""`tier check`, `tier fmt`, `tier compile` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from tierlang.cli import main

GOOD = """program p { version "1" effective 2022-01-01 }
metric certified_professionals "Certified professionals": count
track competency {
  level silver {
    require certified_professionals >= 2
  }
}
"""

MISSPELT = GOOD.replace("require certified_professionals >= 2", "require certified_profesionals >= 2")


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_clean_file_exits_0(in_tmp):
    _write(in_tmp, "good.tier", GOOD)
    result = CliRunner().invoke(main, ["check", "good.tier"])
    assert result.exit_code == 0, result.output
    assert "checked 1 file: no problems" in result.output


def test_misspelt_metric_shows_location_line_caret_and_suggestion(in_tmp):
    _write(in_tmp, "bad.tier", MISSPELT)
    result = CliRunner().invoke(main, ["check", "bad.tier"])
    assert result.exit_code == 1
    out = result.output
    assert "bad.tier:5:13" in out
    assert "5 |     require certified_profesionals >= 2" in out
    assert "  |             ^^^^^^^^^^^^^^^^^^^^^^" in out
    assert "did you mean 'certified_professionals'?" in out


def test_check_formats(in_tmp):
    _write(in_tmp, "bad.tier", MISSPELT)
    gnu = CliRunner().invoke(main, ["check", "--format", "gnu", "bad.tier"])
    assert gnu.output.startswith("bad.tier:5:13: error: unknown name 'certified_profesionals'")
    js = CliRunner().invoke(main, ["check", "--format", "json", "bad.tier"])
    data = json.loads(js.output)
    assert data[0]["code"] == "TL200" and data[0]["span"]["line"] == 5 and data[0]["hint"]


def test_warnings_exit_0_unless_strict(in_tmp):
    _write(in_tmp, "w.tier", GOOD + "param unused = 3\n")
    assert CliRunner().invoke(main, ["check", "w.tier"]).exit_code == 0
    assert CliRunner().invoke(main, ["check", "--strict", "w.tier"]).exit_code == 1


def test_bad_usage_exits_2(in_tmp):
    runner = CliRunner()
    assert runner.invoke(main, ["check"]).exit_code == 2
    assert runner.invoke(main, ["check", "missing.tier"]).exit_code == 2
    assert runner.invoke(main, ["check", "--format", "xml", "x.tier"]).exit_code == 2
    assert runner.invoke(main, ["nonsense"]).exit_code == 2


def test_fmt_check_diff_and_write(in_tmp):
    path = _write(in_tmp, "f.tier", "program p{}\nmetric a:count\n")
    runner = CliRunner()
    check = runner.invoke(main, ["fmt", "--check", "f.tier"])
    assert check.exit_code == 1 and "would reformat f.tier" in check.output
    diff = runner.invoke(main, ["fmt", "--diff", "f.tier"])
    assert diff.exit_code == 1 and "+metric a: count" in diff.output
    assert path.read_text() == "program p{}\nmetric a:count\n"  # --check and --diff write nothing
    assert runner.invoke(main, ["fmt", "f.tier"]).exit_code == 0
    assert path.read_text() == "program p {}\nmetric a: count\n"
    assert runner.invoke(main, ["fmt", "--check", "f.tier"]).exit_code == 0


def test_fmt_stdin_and_syntax_error(in_tmp):
    runner = CliRunner()
    out = runner.invoke(main, ["fmt", "-"], input="program p{}\n")
    assert out.exit_code == 0 and out.output == "program p {}\n"
    _write(in_tmp, "broken.tier", "program p {\n")
    broken = runner.invoke(main, ["fmt", "broken.tier"])
    assert broken.exit_code == 1 and "TL103" in broken.output


def test_compile_emits_ir_json(in_tmp):
    _write(in_tmp, "good.tier", GOOD)
    result = CliRunner().invoke(main, ["compile", "--emit", "ir", "--no-spans", "good.tier"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["node"] == "Program" and data["tracks"][0]["name"] == "competency"
    assert len(data["content_hash"]) == 64
    req = data["tracks"][0]["variants"][0]["levels"][0]["requirements"][0]["expr"]
    assert req["node"] == "Compare" and req["op"] == ">="
    assert req["left"] == {"node": "MetricRef", "name": "certified_professionals"}
    assert req["right"]["value"] == "2"


def test_compile_broken_program_exits_2(in_tmp):
    _write(in_tmp, "bad.tier", MISSPELT)
    result = CliRunner().invoke(main, ["compile", "bad.tier"])
    assert result.exit_code == 2


def test_real_subprocess(in_tmp):
    _write(in_tmp, "bad.tier", MISSPELT)
    proc = subprocess.run([sys.executable, "-m", "tierlang", "check", "bad.tier"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "error[TL200]" in proc.stdout and "checked 1 file: 1 error, 0 warnings" in proc.stderr
    usage = subprocess.run([sys.executable, "-m", "tierlang", "check"], capture_output=True, text=True)
    assert usage.returncode == 2


def test_fmt_leaves_a_blank_file_alone_and_keeps_a_bom(in_tmp):
    runner = CliRunner()
    (in_tmp / "empty.tier").write_text("")
    assert runner.invoke(main, ["fmt", "--check", "empty.tier"]).exit_code == 0
    (in_tmp / "bom.tier").write_bytes(b'\xef\xbb\xbfprogram x "X" {\n version "1"\n}\n')
    assert runner.invoke(main, ["fmt", "bom.tier"]).exit_code == 0
    written = (in_tmp / "bom.tier").read_bytes()
    assert written.startswith(b'\xef\xbb\xbfprogram x "X" {\n  version "1"\n')
    assert runner.invoke(main, ["fmt", "--check", "bom.tier"]).exit_code == 0
