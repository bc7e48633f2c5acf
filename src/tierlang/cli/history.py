"""`tier eval --history`: a program over a partner × month history (tierlang.history)."""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
from pathlib import Path

import click

from tierlang import atomic, dates
from tierlang.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, MAX_DATA_ERRORS, os_error_text, report_data_errors
from tierlang.numbers import plural

#: Tracks shown side by side in the terminal summary (the rest are in the output file).
SUMMARY_TRACKS = 8


class MonthParam(click.ParamType):
    """A month, `YYYY-MM` (or its first day, `YYYY-MM-01`)."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        if isinstance(value, _dt.date):
            return value
        m = re.fullmatch(r"([0-9]{4})-([0-9]{2})(-01)?", value)
        if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
            self.fail(f"{value!r} is not a month; write YYYY-MM, e.g. 2023-09", param, ctx)
        return _dt.date(int(m.group(1)), int(m.group(2)), 1)


#: What --history writes (the long layout; the wide and database layouts are for snapshots).
FORMATS = ("table", "csv", "jsonl", "parquet")


def check_options(fmt: str, as_of, gaps: bool, start, end, engine: str = "vectorized") -> None:
    """Usage errors of `tier eval --history` (exit 2, before any work)."""
    from tierlang.history.engine import ENGINES

    if engine not in ENGINES:
        raise click.UsageError(f"--history runs on the {' or '.join(ENGINES)} engine, not {engine}")
    if as_of is not None:
        raise click.UsageError("--as-of does not go with --history: each month is evaluated as of its first day")
    if gaps:
        raise click.UsageError("--gaps is for one evaluation; with --history, explain a partner's months with `tier explain --history`")
    if fmt not in FORMATS:
        raise click.UsageError(f"--history writes {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, not {fmt}")
    if start and end and end < start:
        raise click.BadParameter(f"{end:%Y-%m} is before --from {start:%Y-%m}", param_hint="--to")


def run(
    program: str,
    data: str,
    prog,
    fmt: str,
    output: str | None,
    engine: str,
    start,
    end,
    on_error: str,
    rejects: str | None,
    tables=None,
    options=None,
    shown: tuple[str, ...] | None = None,
) -> None:
    """Evaluate the history and write it (see `tier eval --help`); exits."""
    from tierlang.data import DataLoadError
    from tierlang.engine.errors import EvaluationError
    from tierlang.history import HistoryError, evaluate_history

    try:
        h = evaluate_history(prog, data, start=start, end=end, engine=engine, on_error=on_error, tables=tables or None, options=options)
    except DataLoadError as e:
        report_data_errors(e.diagnostics(MAX_DATA_ERRORS), e.error_count, _bad_rows(e.bad_rows))
        sys.exit(EXIT_USAGE)
    except HistoryError as e:
        click.echo(f"tier: {data}: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except EvaluationError as e:
        click.echo(f"tier: {program} cannot be evaluated: {e}", err=True)
        sys.exit(EXIT_USAGE)
    h.shown = shown
    meta = h.metadata()
    h.drop_inputs()
    try:
        _write(h, fmt, output, meta)
    except OSError as e:
        click.echo(f"tier: cannot write {output or 'the results'}: {os_error_text(e, output or '')}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(summary_text(h), err=True)
    if output is not None:
        click.echo(f"wrote {output}", err=True)
    ds = h.dataset
    if ds.errors:
        assert rejects is not None and ds.rejects is not None
        try:
            with atomic.replacing(rejects) as (tmp,):
                ds.rejects.write_csv(tmp)
        except OSError as e:
            click.echo(f"tier: cannot write the reject file {rejects}: {os_error_text(e, rejects)}", err=True)
            sys.exit(EXIT_USAGE)
        report_data_errors(ds.diagnostics(MAX_DATA_ERRORS), ds.error_count, _bad_rows(ds.rejects.height, rejects))
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def explain(program: str, data: str, prog, partner_ids, tracks, fmt: str, start, end, options=None) -> None:
    """`tier explain --history` (see its --help); exits."""
    from tierlang.data import DataLoadError
    from tierlang.engine.errors import EvaluationError
    from tierlang.history import HistoryError
    from tierlang.history.engine import partner_inputs, prepare
    from tierlang.history.explain import explain_history, render_history_text

    try:
        # only the partners' rows need to be right: other rows' problems do not matter here
        base, program_at, dataset, months, start = prepare(
            prog, data, start, end, on_error="report", options=options, partners=partner_ids or None
        )
    except DataLoadError as e:
        report_data_errors(e.diagnostics(MAX_DATA_ERRORS), e.error_count, _bad_rows(e.bad_rows))
        sys.exit(EXIT_USAGE)
    except HistoryError as e:
        click.echo(f"tier: {data}: {e}", err=True)
        sys.exit(EXIT_USAGE)
    stories = []
    for pid in partner_ids:
        if any(err.partner_id == pid for err in dataset.errors):
            report_data_errors([d for d, err in zip(dataset.diagnostics(), dataset.errors) if err.partner_id == pid], 0)
            click.echo(f"tier: partner '{pid}' has data errors (above)", err=True)
            sys.exit(EXIT_USAGE)
        found = partner_inputs(dataset, pid, months[-1])
        if found is None:
            from tierlang.data import PID

            known = dataset.frame[PID].unique(maintain_order=True).head(3).to_list()
            click.echo(f"tier: no partner '{pid}' in {data}" + (f" (e.g. {', '.join(known)})" if known else ""), err=True)
            sys.exit(EXIT_USAGE)
        try:
            stories.append((pid, explain_history(program_at, pid, months, *found, tracks=tracks or None, start=start)))
        except EvaluationError as e:
            click.echo(f"tier: {program} cannot be evaluated: {e}", err=True)
            sys.exit(EXIT_USAGE)
    written = [m for m in months if m >= start]
    if fmt == "json":
        payloads = [
            {
                "partner_id": pid,
                "program": base.name,
                "version": base.version,
                "content_hash": base.content_hash,
                "from": dates.month_text(written[0]),
                "to": dates.month_text(written[-1]),
                "tracks": [s.to_data() for s in story],
            }
            for pid, story in stories
        ]
        click.echo(json.dumps(payloads[0] if len(payloads) == 1 else payloads, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(render_history_text(story, base, pid, written) for pid, story in stories), nl=False)
    sys.exit(EXIT_OK)


def _bad_rows(n: int, rejects: str | None = None) -> str | None:
    if not n:
        return None
    where = (
        f"; wrote them with their reasons to {rejects}"
        if rejects
        else "; `--on-error report` evaluates the good rows and writes these to a reject file"
    )
    return f"tier: {n} {plural(n, 'row')} with errors{where}"


def _write(h, fmt: str, output: str | None, meta: dict) -> None:
    lf = h.long_lazy(decimal=fmt == "parquet")
    if fmt == "parquet":
        # scores as DECIMAL(38, 6), as `tier eval` writes them (docs/data.md); streamed:
        # the long rows are never all in memory at once
        with atomic.replacing(output) as (tmp,):
            lf.sink_parquet(
                tmp,
                compression="zstd",
                compression_level=1,
                statistics=False,
                metadata={"tierlang": json.dumps(meta), **{f"tierlang.{k}": str(v) for k, v in meta.items() if v}},
            )
        return
    if fmt == "table":
        _table(h, lf, output, meta)
        return
    quoting = _csv_quoting(h) if fmt == "csv" else "necessary"
    if output is None:
        df = lf.collect()
        sys.stdout.write(df.write_csv(quote_style=quoting) if fmt == "csv" else df.write_ndjson())
        sys.stdout.flush()
        return
    with atomic.replacing(output, output + ".meta.json") as (tmp, tmp_meta):  # together, or not at all
        if fmt == "csv":
            lf.sink_csv(tmp, quote_style=quoting)
        else:
            lf.sink_ndjson(tmp)
        Path(tmp_meta).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _csv_quoting(h) -> str:
    """`output.csv_quoting` for the history's rows: its text fields are the tracks, their
    levels, the names of the status rules (held_by) and the partner ids."""
    from tierlang.data import PID
    from tierlang.output import csv_quoting

    names = [n for t in h.tracks for n in (t, *(v for v in h.held_by_names(t).values() if v is not None))]
    names += [n for t in h.program.shown_tracks(h.shown) for n in t.level_names]
    return csv_quoting(names, h.grid.get_column(PID))


def _program_line(meta: dict) -> str:
    return f"{meta['program']} {meta['version'] or ''} (sha256:{meta['content_hash'][:12]})".replace("  ", " ")


def _table(h, lf, output: str | None, meta: dict) -> None:
    from tierlang.output import TABLE_ROWS

    df = lf.collect()
    cut = output is None and df.height > TABLE_ROWS
    shown = df.head(TABLE_ROWS) if cut else df
    head = ["partner_id", "month", "track", "level", "score", "held_by"]
    rows = [head] + [[("" if c is None else c.isoformat() if isinstance(c, _dt.date) else str(c)) for c in r] for r in shown.iter_rows()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"{_program_line(meta)} history {meta['from']} … {meta['to']}"]
    for k, r in enumerate(rows):
        cells = [c.rjust(w) if i == 4 and k else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    if cut:
        lines.append(f"... {df.height - TABLE_ROWS:,} more rows (write them all with --format csv -o FILE)")
    text = "\n".join(lines) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)


def summary_text(h) -> str:
    """Partners per level and month, the status track first: one column per track, one
    line per month. A track with one level shows its holders; with several, the holders of
    each level (lowest first, separated by /). `+N`: of them, N are kept by a status rule,
    not qualified that month."""
    meta = h.metadata()
    months = h.months
    n = len(h.partner_ids)
    head = (
        f"{_program_line(meta)}: {n:,} {plural(n, 'partner')} × {len(months)} {plural(len(months), 'month')}"
        f" ({dates.month_text(months[0])} … {dates.month_text(months[-1])}), engine {h.engine}"
    )
    if h.first < months[0]:
        head += f"\n  the history starts in {dates.month_text(h.first)}: status rules look back from there"
    summary = h.summary()
    order = [h.program.status] if h.program.status in summary else []
    order += [t for t in summary if t not in order]
    shown = order[:SUMMARY_TRACKS]
    cells: list[list[str]] = []
    for t in shown:
        track = h.program.track_map[t]
        col = []
        for _, counts, kept in summary[t]:
            levels = [counts[name] for name in track.level_names]
            text = "/".join(f"{c:,}" for c in levels)
            col.append(text + (f" +{kept:,}" if kept else ""))
        cells.append(col)
    headers = [
        t if len(h.program.track_map[t].level_names) == 1 else f"{t} ({'/'.join(h.program.track_map[t].level_names)})" for t in shown
    ]
    widths = [max([len(hd)] + [len(c) for c in col]) for hd, col in zip(headers, cells)]
    lines = [head, "  " + "  ".join(["month  ".ljust(7)] + [hd.rjust(w) for hd, w in zip(headers, widths)])]
    for i, (month, _, _) in enumerate(summary[shown[0]] if shown else []):
        lines.append("  " + "  ".join([dates.month_text(month)] + [col[i].rjust(w) for col, w in zip(cells, widths)]))
    if any(kept for t in shown for _, _, kept in summary[t]):
        lines.append("  +N: of those, kept by a status rule (held_by names it), not qualified that month")
    if len(order) > len(shown):
        rest = len(order) - len(shown)
        lines.append(f"  ({rest} more {plural(rest, 'track')} in the output)")
    return "\n".join(lines)
