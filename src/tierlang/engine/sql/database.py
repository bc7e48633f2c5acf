"""Programs evaluated where the data lives: PostgreSQL, through psycopg 3.

    evaluate_postgres(program, "postgresql://analyst@db/warehouse", table="crm.partners")
    write_into(program, url, table="crm.partners", into="analytics.cloud_partner_2022")

The query is the one `tier compile --emit sql --dialect postgres` prints, with two things
learned from the database first: the table's columns (a missing column is reported before
anything runs) and each decimal column's declared scale (a NUMERIC(18, 8) column is read with
its 8 places). The database does the work; tierlang reads back one row per partner (or
nothing at all with `write_into`, which creates the results table inside one transaction:
on any failure nothing is written).

Passwords: the URL, `PGPASSWORD`, `~/.pgpass` and service files work as libpq has them
work. No message, metadata or output of tierlang shows a password: URLs are shown through
`safe_url`, and any text from the database or the driver passes through `redact`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import polars as pl
from sqlglot import exp

from tierlang import ir
from tierlang.data import PID, ROW, DataError, DataLoadError, Dataset
from tierlang.diagnostics import Diagnostic, warning
from tierlang.engine.results import Evaluation
from tierlang.engine.sql.inputs import DATA_ERROR, DEFAULT_DECIMALS, MAX_DECIMALS, scales_for, table_name
from tierlang.engine.sql.query import Unsupported, compile_sql, used_metrics
from tierlang.engine.sql.records import range_error

__all__ = ["DatabaseError", "evaluate_postgres", "write_into", "safe_url", "redact"]

_DECIMAL_KINDS = (ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY)


_STOPPED = "the query stops at the first bad value it meets: correct it (or the column's type) and run again"


class DatabaseError(Exception):
    """The database could not be reached or refused the work (the message shows no password)."""


def safe_url(url: str) -> str:
    """The URL without its password (a libpq `key=value` string without `password=`)."""
    if "://" in url:
        parts = urlsplit(url)
        if parts.password is not None:
            host = parts.hostname or ""
            if parts.port:
                host = f"{host}:{parts.port}"
            user = f"{parts.username}:***@" if parts.username else ":***@"
            parts = parts._replace(netloc=user + host)
        query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
        return urlunsplit(parts._replace(query=query))
    return re.sub(r"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", url)


def _password(url: str) -> str | None:
    if "://" in url:
        parts = urlsplit(url)
        found = re.search(r"(?i)password=([^&]*)", parts.query)
        return parts.password or (found.group(1) if found else None)
    found = re.search(r"(?i)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", url)
    return found.group(1).strip("'") if found else None


def redact(text: str, url: str) -> str:
    """`text` (an error from the driver or the server) with the URL's password hidden."""
    text = text.replace(url, safe_url(url))
    pw = _password(url)
    return text.replace(pw, "***") if pw else text


@contextmanager
def connect(url: str) -> Iterator:
    """A psycopg connection (a `DatabaseError` naming the server, never the password)."""
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("--db needs psycopg 3: pip install 'tierlang[postgres]'") from None
    try:
        # autocommit: reads need no transaction; write_into opens one of its own
        conn = psycopg.connect(url, connect_timeout=15, autocommit=True)
    except psycopg.Error as e:
        raise DatabaseError(f"cannot connect to {safe_url(url)}: {redact(str(e).strip(), url)}") from None
    except Exception as e:  # a malformed URL (ProgrammingError, ValueError from the parser)
        raise DatabaseError(f"cannot connect to {safe_url(url)}: {redact(str(e).strip(), url)}") from None
    try:
        yield conn
    finally:
        conn.close()


def _columns(conn, table: str) -> dict[str, tuple[str, int | None]]:
    """The table's columns: name → (data type, numeric scale). Empty: no such table."""
    t = table_name(table)
    schema = t.db or None
    rows = conn.execute(
        "SELECT column_name, data_type, numeric_scale FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = COALESCE(%s, current_schema()) ORDER BY ordinal_position",
        (t.name, schema),
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


@dataclass
class _Layout:
    """What the query needs to know of the database's tables (see `_prepare`)."""

    places: dict[str, int]  # decimal places per metric, and per `table.column` of related tables
    absent: frozenset[str]  # optional metrics whose column is absent
    absent_tables: frozenset[str]  # related tables that do not exist: read as empty
    warnings: list[Diagnostic]


def _prepare(program: ir.Program, conn, url: str, table: str, decimals: int, tables: dict[str, str] | None = None) -> _Layout:
    """Check the table has every column the program reads (an optional metric's may be
    absent), and each related table the records metrics read (a table that does not exist
    is read as empty, with a warning, as an absent file is); the decimal places of each
    decimal column (its NUMERIC scale when declared and larger than `decimals`)."""
    from tierlang.engine.sql.records import records_tables

    display = f"{safe_url(url)} table {table}"
    cols = _columns(conn, table)
    if not cols:
        raise DataLoadError("", [DataError("TL400", f"no table {table} in {safe_url(url)} (or no right to read it)")])
    errors = []
    if PID not in cols:
        errors.append(
            DataError("TL401", f"{display}: column 'partner_id' is missing", column=PID, hint="every dataset needs a partner_id column")
        )
    places: dict[str, int] = {}
    absent: set[str] = set()
    computed = {m.name for m in program.record_metrics}
    for m in used_metrics(program):
        c = m.column or m.name
        if m.name in computed:
            continue
        if c not in cols and m.optional:
            absent.add(m.name)
        elif c not in cols:
            errors.append(DataError("TL401", f"{display}: column '{c}' is missing (metric {m.name})", column=c))
        elif m.type.kind in _DECIMAL_KINDS:
            kind, scale = cols[c]
            places[m.name] = min(MAX_DECIMALS, max(decimals, scale or 0)) if kind == "numeric" else decimals
    absent_tables: set[str] = set()
    warnings: list[Diagnostic] = []
    for name in records_tables(program):
        source = (tables or {}).get(name, name)
        found = _columns(conn, source)
        if not found:
            absent_tables.add(name)
            warnings.append(
                warning("TL423", f"no table {source} in {safe_url(url)}: read as empty, so the metrics from '{name}' count no records")
            )
            continue
        t = program.related_table_map[name]
        for c in [PID, *(c.name for c in t.columns)]:
            if c not in found:
                errors.append(DataError("TL401", f"{safe_url(url)} table {source}: column '{c}' is missing", column=c))
            elif c != PID and t.column(c).type.kind in _DECIMAL_KINDS:  # type: ignore[union-attr]
                kind, scale = found[c]
                places[f"{name}.{c}"] = min(MAX_DECIMALS, max(decimals, scale or 0)) if kind == "numeric" else decimals
    if errors:
        raise DataLoadError("", errors)
    return _Layout(places, frozenset(absent), frozenset(absent_tables), warnings)


def _data_error(text: str, display: str) -> DataLoadError | None:
    """The query's own data error (see `inputs.DATA_ERROR`) as a `DataLoadError`."""
    found = DATA_ERROR.search(text)
    if found is None:
        return None
    code, table, partner, column, problem = found.groups()
    problem = problem.split('"\n')[0].rstrip('"').strip()
    # no file, no row numbers: the message names the table and the partner instead
    message = f"{display}: partner_id '{partner}', column '{column}': {problem}"
    return DataLoadError("", [DataError(code, message, column=column, partner_id=partner, hint=_STOPPED)])


def _run(conn, sql: str, url: str, display: str):
    import psycopg

    try:
        return conn.execute(sql)
    except psycopg.Error as e:  # the transaction is rolled back by the caller's context
        bad = _data_error(str(e), display) or range_error(str(e))
        if bad is not None:
            raise bad from None
        raise DatabaseError(f"{display}: {redact(str(e).strip(), url)}") from None


def evaluate_postgres(
    program: ir.Program,
    url: str,
    *,
    table: str = "partners",
    detail: bool = False,
    decimals: int = DEFAULT_DECIMALS,
    tables: dict[str, str] | None = None,
) -> Evaluation:
    """Evaluate `program` on a PostgreSQL table: the query runs in the database, one row per
    partner comes back (partners in partner_id order). Raises `DataLoadError` for bad data
    (a missing column, a bad value: the query's first), `DatabaseError` for the rest."""
    from tierlang.engine.api import _evaluation
    from tierlang.engine.sql.run import plan_frame

    display = f"{safe_url(url)} table {table}"
    with connect(url) as conn:
        lay = _prepare(program, conn, url, table, decimals, tables)
        try:
            query = compile_sql(program, "postgres", table=table, output="plan", detail=detail, **_options(lay, tables))
        except Unsupported as e:
            raise DatabaseError(str(e)) from None
        cur = _run(conn, query.sql(pretty=False), url, display)
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
    out = _frame(names, rows).sort(PID)
    out = plan_frame(out.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)))
    dataset = Dataset(
        path=display,
        format="postgres",
        frame=out.select(ROW, PID),
        scales=scales_for(program, decimals, lay.places),
        metrics=program.input_metrics,
        total_rows=out.height,
    )
    ev = _evaluation(program, dataset, query.plan, out, detail, engine="postgres", wide=True)
    ev.warnings = list(lay.warnings)
    return ev


def _options(lay: _Layout, tables: dict[str, str] | None) -> dict:
    """compile_sql's options for the tables `_prepare` found."""
    return {"places": lay.places, "absent": lay.absent, "tables": tables or {}, "absent_tables": lay.absent_tables}


def _frame(names: list[str], rows: list[tuple]) -> pl.DataFrame:
    cols = list(zip(*rows)) if rows else [() for _ in names]
    series = []
    for name, values in zip(names, cols):
        if name.startswith(("S:", "SD:", "O:")):
            # NUMERIC arrives as Decimal: exact integers, at most the compiler's bound
            series.append(pl.Series(name, [None if v is None else int(v) for v in values], dtype=pl.Int128))
        elif name.startswith(("L:", "V:", "P:")):
            series.append(pl.Series(name, list(values), dtype=pl.Int16))
        elif name == PID:
            series.append(pl.Series(name, list(values), dtype=pl.String))
        else:
            series.append(pl.Series(name, list(values), dtype=pl.Boolean))
    return pl.DataFrame(series)


def write_into(
    program: ir.Program,
    url: str,
    *,
    table: str = "partners",
    into: str,
    decimals: int = DEFAULT_DECIMALS,
    tables: dict[str, str] | None = None,
    tracks: tuple[str, ...] | None = None,
) -> dict[str, dict[str | None, int]]:
    """Create or replace the table `into` with the results (partner_id, track, level, score),
    in one transaction: on any failure the old table, if any, stays as it was. Returns the
    partners per track and level, as `Evaluation.summary` does. `tracks`: the tracks written
    (default: those not internal); `tables`: where the related tables are."""
    display = f"{safe_url(url)} table {table}"
    target = table_name(into)
    with connect(url) as conn:
        lay = _prepare(program, conn, url, table, decimals, tables)
        try:
            query = compile_sql(program, "postgres", table=table, tracks=tracks, **_options(lay, tables))
        except Unsupported as e:
            raise DatabaseError(str(e)) from None
        drop = exp.Drop(tables=[target.copy()], kind="TABLE", exists=True).sql("postgres")
        create = exp.Create(this=target.copy(), kind="TABLE", expression=query.tree).sql("postgres")
        meta = f"tierlang: {program.name} {program.version or ''} (sha256:{program.content_hash}) from {table}"
        comment = f"COMMENT ON TABLE {target.sql('postgres')} IS {exp.Literal.string(meta).sql('postgres')}"
        counts = exp.select("track", "level", exp.Count(this=exp.Star())).from_(target.copy()).group_by("track", "level").sql("postgres")
        with conn.transaction():
            _run(conn, drop, url, display)
            _run(conn, create, url, display)
            _run(conn, comment, url, display)
            rows = _run(conn, counts, url, display).fetchall()
    summary: dict[str, dict[str | None, int]] = {t.name: {lvl: 0 for lvl in (None, *t.level_names)} for t in program.shown_tracks(tracks)}
    for track, level, n in rows:
        summary[track][level] = n
    return summary
