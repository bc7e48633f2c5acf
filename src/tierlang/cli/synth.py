"""`tier synth`: generate a synthetic partner population for one or more programs."""

from __future__ import annotations

import os
import sys
import time

import click

from tierlang.cli import main
from tierlang.cli.common import EXIT_USAGE, DateParam, ProgramPath, as_of_option, check_outputs, load_or_exit
from tierlang.cli.history import MonthParam
from tierlang.numbers import plural
from tierlang.synth import FORMATS, SynthError, format_for, load_calibration, synthesize, write_population
from tierlang.synth.history import MAX_MONTHS

#: Far beyond any real program's partners (430,000 in 2010): a typo's extra zeros get a clear
#: error, not an allocation failure (a million rows of all four programs' 161 columns take
#: about 1.3 GB in memory).
MAX_ROWS = 10_000_000


@main.command()
@click.argument("programs", nargs=-1, required=True, type=ProgramPath())
@click.option(
    "--rows",
    type=click.IntRange(min=1, max=MAX_ROWS),
    default=None,
    help=f"Partners to generate, at most {MAX_ROWS:,} (default: the calibration's population.organizations, 430,000).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed: the same seed gives the same file.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(allow_dash=True),
    help="Output file (`-` for standard output); with --records, a folder.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default: from the file extension; CSV for `-`)."
)
@click.option(
    "--calibration",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A TOML file of knobs laid over the shipped calibration (see docs/synth.md).",
)
@click.option(
    "--anniversary-from",
    type=DateParam(),
    default=None,
    help="Anniversaries fall in the year from this date (default: the latest effective date of the programs).",
)
@click.option(
    "--months",
    type=click.IntRange(min=1, max=MAX_MONTHS),
    default=None,
    help=f"Write a history instead: one row per partner and month (a `month` column), this many months, at most {MAX_MONTHS}.",
)
@click.option(
    "--from",
    "first_month",
    type=MonthParam(),
    default=None,
    help="With --months: the first month (default: the month of the latest effective date of the programs).",
)
@click.option(
    "--records",
    is_flag=True,
    help="Write the partner's records instead: a folder of one file per table the records program reads, and the snapshot "
    'they give (docs/synth.md, "Records"). Needs --as-of.',
)
@as_of_option
def synth(programs, rows, seed, output, fmt, calibration, anniversary_from, months, first_month, as_of, records) -> None:
    """Generate a synthetic partner population for PROGRAMS.

    Writes one row per partner: `partner_id`, every column the programs read (a column shared
    by several programs once), `anniversary`, and profile columns (headcount and segment
    flags). Many small partners and few large ones; values correlated through partner size,
    capability and segment; values cluster at and around the programs' thresholds. The
    default population reproduces the figures of late 2010 for the old program (about 430,000
    organizations, about 35,000 Certified or Gold Certified, half of them Gold).

    Deterministic: the same programs, options and calibration give the same bytes, and the
    first N rows do not depend on --rows (from 1,000 rows on). A smaller sample is chosen to
    show every level of every track (and no level) where it can, then filled with ordinary
    partners; the levels it cannot show are listed.

    With --months, the first month is that population and each later month moves every
    partner's values with month-to-month persistence (docs/synth.md, "Histories"); some
    partners join or leave on the way. The rows come month by month, for `tier eval
    --history`.

    With --records (one records program, such as programs/cloudpartner2022-records.tier, and
    --as-of), -o is a folder: partners, the related tables (people and certifications,
    monthly Azure usage, Microsoft 365 seats and users, Dynamics revenue and consumed value)
    built to the population's values, and snapshot.parquet, the parent
    program's columns as the records give them; both forms give the same results.
    """
    started = time.perf_counter()
    if records:
        _records(programs, rows, seed, output, fmt, calibration, months, as_of, started)
        return
    if os.path.isdir(output):
        raise click.BadParameter(f"{output} is a folder; give a file name (a folder is written only with --records)", param_hint="-o")
    check_outputs([*programs, calibration], [(output, "-o")])
    if anniversary_from is not None and anniversary_from.year >= 9999:
        raise click.BadParameter("anniversaries a year from then fall after 9999-12-31", param_hint="--anniversary-from")
    loaded = [load_or_exit(p, as_of) for p in programs]
    names = [p.name for p in loaded]
    for name in sorted({n for n in names if names.count(n) > 1}):
        given = ", ".join(f for f, n in zip(programs, names, strict=True) if n == name)
        raise click.BadParameter(f"the program '{name}' is given more than once ({given})", param_hint="PROGRAMS")
    if first_month is not None and months is None:
        raise click.UsageError("--from is the first month of a history; add --months N")
    try:
        fmt = format_for(output, fmt)
        cal = load_calibration(calibration)
        if months is not None:
            from tierlang.synth.history import synthesize_history, write_history

            history = synthesize_history(
                loaded, rows, months, first_month=first_month, seed=seed, calibration=cal, anniversary_from=anniversary_from
            )
            written = write_history(history, output, fmt)
            where = "standard output" if output == "-" else output
            click.echo(
                f"wrote {written:,} {plural(written, 'row')} ({months} {plural(months, 'month')}) to {where} ({fmt})"
                f" in {time.perf_counter() - started:.1f} s",
                err=True,
            )
            return
        population = synthesize(loaded, rows, seed=seed, calibration=cal, anniversary_from=anniversary_from)
        write_population(population.frame, output, fmt)
    except SynthError as e:
        click.echo(f"tier synth: error: {e.message}", err=True)
        if e.hint:
            click.echo(f"  hint: {e.hint}", err=True)
        sys.exit(EXIT_USAGE)
    frame = population.frame
    if population.not_shown:
        missing = population.not_shown
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        click.echo(f"note: {len(missing)} {plural(len(missing), 'level')} not shown in {frame.height:,} rows: {shown}", err=True)
    where = "standard output" if output == "-" else output
    click.echo(
        f"wrote {frame.height:,} {plural(frame.height, 'partner')} × {frame.width} columns to {where} ({fmt})"
        f" in {time.perf_counter() - started:.1f} s",
        err=True,
    )


def _records(programs, rows, seed, output, fmt, calibration, months, as_of, started) -> None:
    from tierlang.synth.records import snapshot_program_path, synthesize_records

    if len(programs) != 1:
        raise click.UsageError("--records takes one records program (such as programs/cloudpartner2022-records.tier)")
    if months is not None:
        raise click.UsageError("--records and --months cannot be combined")
    if as_of is None:
        raise click.UsageError(
            "--records builds records for an evaluation date (their windows of months end before it):"
            " give it with --as-of YYYY-MM-DD, e.g. --as-of 2024-06-30"
        )
    if output == "-":
        raise click.BadParameter("--records writes a folder, not standard output", param_hint="-o")
    if os.path.exists(output) and not os.path.isdir(output):
        raise click.BadParameter(f"{output} is a file; with --records, -o names a folder", param_hint="-o")
    fmt = fmt or "parquet"
    program = load_or_exit(programs[0], as_of)
    try:
        snapshot = load_or_exit(snapshot_program_path(program), as_of)
        result = synthesize_records(
            program, snapshot, output, as_of=as_of, rows=rows, seed=seed, calibration=load_calibration(calibration), fmt=fmt
        )
    except SynthError as e:
        click.echo(f"tier synth: error: {e.message}", err=True)
        if e.hint:
            click.echo(f"  hint: {e.hint}", err=True)
        sys.exit(EXIT_USAGE)
    tables = ", ".join(f"{n} {result.rows[n]:,}" for n in result.rows)
    click.echo(
        f"wrote {result.partners:,} {plural(result.partners, 'partner')} to {output}/ ({fmt}): {tables} rows;"
        f" snapshot.{fmt} in {time.perf_counter() - started:.1f} s",
        err=True,
    )
