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
from urllib.parse import urlsplit, urlunsplit

import polars as pl
from sqlglot import exp

from tierlang import ir
from tierlang.data import PID, ROW, DataError, DataLoadError, Dataset
from tierlang.engine.results import Evaluation
from tierlang.engine.sql.inputs import DATA_ERROR, DEFAULT_DECIMALS, MAX_DECIMALS, scales_for, table_name
from tierlang.engine.sql.query import Unsupported, compile_sql, used_metrics

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


def _prepare(program: ir.Program, conn, url: str, table: str, decimals: int) -> tuple[dict[str, int], frozenset[str]]:
    """Check the table has every column the program reads (an optional metric's may be
    absent); the decimal places of each decimal metric (its NUMERIC scale when declared and
    larger than `decimals`), and the optional metrics whose column is absent."""
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
    for m in used_metrics(program):
        c = m.column or m.name
        if c not in cols and m.optional:
            absent.add(m.name)
        elif c not in cols:
            errors.append(DataError("TL401", f"{display}: column '{c}' is missing (metric {m.name})", column=c))
        elif m.type.kind in _DECIMAL_KINDS:
            kind, scale = cols[c]
            places[m.name] = min(MAX_DECIMALS, max(decimals, scale or 0)) if kind == "numeric" else decimals
    if errors:
        raise DataLoadError("", errors)
    return places, frozenset(absent)


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
        bad = _data_error(str(e), display)
        if bad is not None:
            raise bad from None
        raise DatabaseError(f"{display}: {redact(str(e).strip(), url)}") from None


def evaluate_postgres(
    program: ir.Program, url: str, *, table: str = "partners", detail: bool = False, decimals: int = DEFAULT_DECIMALS
) -> Evaluation:
    """Evaluate `program` on a PostgreSQL table: the query runs in the database, one row per
    partner comes back (partners in partner_id order). Raises `DataLoadError` for bad data
    (a missing column, a bad value: the query's first), `DatabaseError` for the rest."""
    from tierlang.engine.api import _evaluation
    from tierlang.engine.sql.run import plan_frame

    display = f"{safe_url(url)} table {table}"
    with connect(url) as conn:
        places, absent = _prepare(program, conn, url, table, decimals)
        try:
            query = compile_sql(program, "postgres", table=table, output="plan", detail=detail, places=places, absent=absent)
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
        scales=scales_for(program, decimals, places),
        metrics=program.input_metrics,
        total_rows=out.height,
    )
    return _evaluation(program, dataset, query.plan, out, detail, engine="postgres", wide=True)


def _frame(names: list[str], rows: list[tuple]) -> pl.DataFrame:
    cols = list(zip(*rows)) if rows else [() for _ in names]
    series = []
    for name, values in zip(names, cols):
        if name.startswith(("S:", "O:")):
            # NUMERIC arrives as Decimal: exact integers, at most the compiler's bound
            series.append(pl.Series(name, [None if v is None else int(v) for v in values], dtype=pl.Int128))
        elif name.startswith(("L:", "V:", "P:")):  # P: the highest level no data rules out
            series.append(pl.Series(name, list(values), dtype=pl.Int16))
        elif name == PID:
            series.append(pl.Series(name, list(values), dtype=pl.String))
        else:
            series.append(pl.Series(name, list(values), dtype=pl.Boolean))
    return pl.DataFrame(series)


def write_into(
    program: ir.Program, url: str, *, table: str = "partners", into: str, decimals: int = DEFAULT_DECIMALS
) -> dict[str, dict[str | None, int]]:
    """Create or replace the table `into` with the results (partner_id, track, level, score),
    in one transaction: on any failure the old table, if any, stays as it was. Returns the
    partners per track and level, as `Evaluation.summary` does."""
    display = f"{safe_url(url)} table {table}"
    target = table_name(into)
    with connect(url) as conn:
        places, absent = _prepare(program, conn, url, table, decimals)
        try:
            query = compile_sql(program, "postgres", table=table, places=places, absent=absent)
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
    summary: dict[str, dict[str | None, int]] = {t.name: {lvl: 0 for lvl in (None, *t.level_names)} for t in program.tracks}
    for track, level, n in rows:
        summary[track][level] = n
    return summary
