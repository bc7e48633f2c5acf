"""The month-by-month section of a diff report (`tier diff --history`): terminal text,
Markdown, HTML and the JSON data, from a `diff.history.HistoryImpact`."""

from __future__ import annotations

import html

from tierlang import dates
from tierlang.diff.history import HistoryComparison, HistoryImpact
from tierlang.numbers import plural
from tierlang.render.templating import md_cell

__all__ = ["history_text", "history_md", "history_html", "history_data"]


def _table(c: HistoryComparison) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a comparison's month table."""
    head = ["month", "moved", *[k.label for k in c.classes], "losing", "new losses", "gaining"]
    rows = []
    for r in c.months:
        cells = [dates.month_text(r.month), f"{r.moved:,}"]
        for s, o in zip(r.status, r.old):
            cells.append(f"{s:,}" + (f" ({s - o:+,})" if s != o else ""))
        cells += [f"{r.losing:,}", f"{r.new_losses:,}", f"{r.gaining:,}"]
        rows.append(cells)
    return head, rows


def _ordered(h: HistoryImpact) -> list[HistoryComparison]:
    return sorted(h.comparisons, key=lambda c: not c.status)


def history_text(h: HistoryImpact, width: int = 80, limit: int | None = None) -> str:
    out = [
        "",
        f"Month by month: {dates.month_text(h.months[0])} … {dates.month_text(h.months[-1])}, {h.partners:,} {plural(h.partners, 'partner')}",
        f"  {h.describe()}.",
        "  Partners per status each month (in brackets: the change against the old program alone);",
        "  losing: status below what the old program alone gives that month.",
    ]
    for c in _ordered(h):
        head, rows = _table(c)
        widths = [max(len(x) for x in col) for col in zip(head, *rows)]
        out += ["", f"  {c.title}: {c.lose:,} {plural(c.lose, 'partner')} lose, {c.gain:,} gain"]
        out.append("  " + "  ".join(x.rjust(w) if i else x.ljust(w) for i, (x, w) in enumerate(zip(head, widths))))
        for r in rows:
            out.append("  " + "  ".join(x.rjust(w) if i else x.ljust(w) for i, (x, w) in enumerate(zip(r, widths))))
    out += ["", f"Outreach, by the month a partner would lose status: {h.outreach_total:,} {plural(h.outreach_total, 'partner')}"]
    shown = h.outreach if limit is None else h.outreach[:limit]
    for o in shown:
        out.append(f"  {o.partner_id}  loses in {dates.month_text(o.loses_in)} (moves {o.moves}): {o.old or 'none'} → {o.new or 'none'}")
        out += [f"      needs {n}" for n in o.needs]
    if h.outreach_total > len(shown):
        out.append(f"  ... and {h.outreach_total - len(shown):,} more (the whole list: --outreach-file FILE)")
    return "\n".join(out) + "\n"


def history_md(h: HistoryImpact, limit: int | None = None) -> str:
    out = [
        "",
        f"## Month by month ({dates.month_text(h.months[0])} … {dates.month_text(h.months[-1])})",
        "",
        f"{h.partners:,} {plural(h.partners, 'partner')}; {md_cell(h.describe())}. Partners per status each month, with the change against "
        "the old program alone in brackets; *losing*: status below what the old program alone gives that month.",
    ]
    for c in _ordered(h):
        head, rows = _table(c)
        out += ["", f"### {md_cell(c.title)}: {c.lose:,} lose, {c.gain:,} gain", ""]
        out.append("| " + " | ".join(md_cell(x) for x in head) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        out += ["| " + " | ".join(r) + " |" for r in rows]
    out += ["", f"### Outreach by the month a partner would lose status ({h.outreach_total:,})", ""]
    shown = h.outreach if limit is None else h.outreach[:limit]
    if shown:
        out.append("| partner | loses in | moves | old | new | needs |")
        out.append("|---|---|---|---|---|---|")
        for o in shown:
            needs = "; ".join(o.needs) or "—"
            out.append(
                f"| {md_cell(o.partner_id)} | {dates.month_text(o.loses_in)} | {o.moves} | {md_cell(o.old or 'none')} | {md_cell(o.new or 'none')} | {md_cell(needs)} |"
            )
    else:
        out.append("Nobody loses status.")
    return "\n".join(out) + "\n"


def history_html(h: HistoryImpact) -> str:
    e = html.escape
    parts = [
        '<section id="history">',
        f"<h2>Month by month ({dates.month_text(h.months[0])} … {dates.month_text(h.months[-1])})</h2>",
        f"<p>{h.partners:,} {plural(h.partners, 'partner')}; {e(h.describe())}. Partners per status each month, with the change against the old "
        "program alone in brackets; <em>losing</em>: status below what the old program alone gives that month.</p>",
    ]
    for c in _ordered(h):
        head, rows = _table(c)
        parts.append(f"<h3>{e(c.title)}: {c.lose:,} lose, {c.gain:,} gain</h3>")
        parts.append("<table><thead><tr>" + "".join(f"<th>{e(x)}</th>" for x in head) + "</tr></thead><tbody>")
        cell = ('<td class="num">', "<td>")
        parts += ["<tr>" + "".join(f"{cell[0] if i else cell[1]}{e(x)}</td>" for i, x in enumerate(r)) + "</tr>" for r in rows]
        parts.append("</tbody></table>")
    parts.append(f"<h3>Outreach by the month a partner would lose status ({h.outreach_total:,})</h3>")
    if h.outreach:
        parts.append(
            "<table><thead><tr><th>partner</th><th>loses in</th><th>moves</th><th>old</th><th>new</th><th>needs</th></tr></thead><tbody>"
        )
        for o in h.outreach:
            needs = "<br>".join(e(n) for n in o.needs) or "—"
            parts.append(
                f'<tr><td><code class="pid">{e(o.partner_id)}</code></td><td>{dates.month_text(o.loses_in)}</td><td>{o.moves}</td>'
                f"<td>{e(o.old or 'none')}</td><td>{e(o.new or 'none')}</td><td>{needs}</td></tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>Nobody loses status.</p>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def history_data(h: HistoryImpact) -> dict:
    return {
        "data": h.data,
        "partners": h.partners,
        "from": dates.month_text(h.months[0]),
        "to": dates.month_text(h.months[-1]),
        "transition": h.transition,
        "effective": h.effective.isoformat() if h.effective else None,
        "grandfather": h.grandfather.isoformat() if h.grandfather else None,
        "comparisons": [
            {
                "id": c.id,
                "title": c.title,
                "status": c.status,
                "classes": [k.label for k in c.classes],
                "lose": c.lose,
                "gain": c.gain,
                "months": [
                    {
                        "month": r.month.isoformat(),
                        "status": r.status,
                        "old": r.old,
                        "moved": r.moved,
                        "losing": r.losing,
                        "new_losses": r.new_losses,
                        "gaining": r.gaining,
                    }
                    for r in c.months
                ],
            }
            for c in h.comparisons
        ],
        "outreach_scope": h.outreach_scope,
        "outreach_total": h.outreach_total,
        "outreach": [
            {
                "partner_id": o.partner_id,
                "loses_in": o.loses_in.isoformat(),
                "moves": o.moves.isoformat(),
                "anniversary": o.anniversary.isoformat() if o.anniversary else None,
                "old": o.old,
                "new": o.new,
                "needs": list(o.needs),
            }
            for o in h.outreach
        ],
    }
