"""A run's plan as one self-contained HTML page, for a reviewer to open or attach to a change request.

`plan --html FILE` and `apply --html FILE` write it, and a workflow run keeps one as its plan.html. The
page shows the policy, its domain and account, the mode, the decision clock and run id; the plan digest
(which `apply --expect-digest` takes to apply exactly the plan reviewed); the totals (versions that were
never candidates, already Disposed, Deleted or Unfinished, apart), the breakers and, when measured, the
bytes reclaimed; two charts (keep/dispose/archive per package, versions per deciding rule); and every
decision with its reason, publish date and age where known, in a table sorted by any column and filtered
by text and by action. The CLI gives it every decision; a report that lists fewer (an API response, a
workflow run's report) says so at the top, with where they all are (the report's planLocation) or how to
get them.

It works offline and loads nothing: the charts are inline SVG drawn here, the filters a few lines of inline
JavaScript, the styles inline, and a Content-Security-Policy forbids any fetch. Every value from the
report (package names, versions, reasons are user data) is escaped with html.escape.
"""

from collections import Counter
from html import escape

from disposer.model.report import RunItem, RunReportBody
from disposer.pages.assets import CSP, SCRIPT, STYLE
from disposer.pages.view import NOT_CANDIDATE, UNKNOWN_TIME_REASON, PlanView, is_candidate

ACTIONS = ("keep", "dispose", "archive", "not-candidate")
LABELS = {"not-candidate": NOT_CANDIDATE}
COLOURS = {
    "keep": "#2e7d32",
    "dispose": "#c62828",
    "archive": "#ef8f00",
    "not-candidate": "#b0bec5",
    "not-selected": "#78909c",
}
# A chart taller than this many bars helps nobody; the table lists every package's decisions anyway.
MAX_CHART_PACKAGES = 500
ROW, LABEL, BAR = 22, 300, 440
WIDTH = LABEL + BAR + 70


def render_plan_html(body: RunReportBody, view: PlanView | None = None) -> str:
    """The whole page, as text: write it to a file (UTF-8) and open it in any browser, offline. `view` (the
    CLI's) adds the policy's domain and account, and the publish times the run learnt."""
    view = view or PlanView(body)
    title = f"Plan of {body.policy} as of {body.as_of:%Y-%m-%d %H:%M}Z"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
            _header(view, title),
            _totals(view),
            "<h2>Decisions per package</h2>",
            _package_chart(body),
            "<h2>Versions per deciding rule</h2>",
            _rule_chart(body.totals.rules),
            _decisions(view),
            f"<script>{SCRIPT}</script>",
            "</body></html>",
            "",
        ]
    )


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _header(view: PlanView, title: str) -> str:
    body = view.body
    if body.aborted:
        state = "aborted" if not body.outcomes.get("disposed") else "stopped part-way"
    else:
        state = "applied" if body.mode == "apply" else "plan only, nothing disposed"
    if body.plan_digest:
        digest = (
            f'<p id="digest">Plan digest: <code class="value">{_e(body.plan_digest)}</code><br>'
            f"<code>apply {_e(body.policy)} --expect-digest {_e(body.plan_digest)}</code> applies exactly this plan, "
            "and disposes nothing if it has changed since.</p>"
        )
    else:
        digest = '<p id="digest">This run has no plan digest.</p>'
    warnings = [f"<p class='warn'>Aborted: {_e(body.aborted_reason)}</p>" if body.aborted else ""]
    if body.disposals_disabled:
        warnings.append("<p class='warn'>The kill switch stopped this run's writes.</p>")
    warnings += [
        f"<p class='warn'>Could not read {_e(e.scope)}: {_e(e.error_code)}: {_e(e.error_message)}</p>"
        for e in body.errors
    ]
    if body.items_omitted:
        every = (
            f"Every decision is kept, one JSON line each, at <code>{_e(body.plan_location)}</code>."
            if body.plan_location
            else f"<code>codeartifact-disposer plan {_e(body.policy)} --html FILE</code> writes a page with every "
            "decision."
        )
        warnings.insert(
            0,
            f'<p class="warn" id="omitted">This page lists {len(body.items)} of {body.totals.versions} decisions (an '
            f"API response lists at most {len(body.items) or 'none'}); the {body.items_omitted} others are neither "
            f"listed nor charted per package, though the totals count them. {every}</p>",
        )
    if view.domain is None:
        where = ""
    else:
        owner = view.domain_owner or "the account of the credentials used (the policy names no domainOwner)"
        where = f'<p id="where">Domain <b>{_e(view.domain)}</b>, account <b>{_e(owner)}</b></p>'
    return (
        f"<h1>{_e(title)}</h1><p>Policy <b>{_e(body.policy)}</b>, mode <b>{_e(body.mode)}</b> ({_e(state)}), "
        f'decision clock <b id="clock">{_e(body.as_of.isoformat())}</b> (every age is counted to it), trigger '
        f"{_e(body.trigger)}, run id <code>{_e(body.run_id)}</code></p>{where}{digest}{''.join(warnings)}"
    )


def _totals(view: PlanView) -> str:
    body = view.body
    totals = body.totals
    others = view.not_candidates()
    figures = [
        ("packages", totals.packages),
        ("versions", totals.versions),
        ("keep", view.keep_candidates),
        ("dispose", totals.dispose),
        ("archive", totals.archive),
        ("not-candidate", sum(others.values())),
    ]
    rows = "".join(
        f'<tr><th>{LABELS.get(name, name)}</th><td data-total="{name}">{value}</td></tr>' for name, value in figures
    )
    if others:
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(others.items()))
        rows += f'<tr><td colspan="2">not candidates: already {_e(statuses)}; no policy disposes them</td></tr>'
    cap = "none" if body.max_disposals_per_run is None else str(body.max_disposals_per_run)
    percent = "none" if body.max_disposals_percent is None else f"{body.max_disposals_percent}%"
    over = " (EXCEEDED: applying this plan disposes nothing)"
    limits = [
        f"maxDisposalsPerRun: {cap}{over if body.cap_exceeded else ''}",
        f"maxDisposalsPercent: {percent}{over if body.percent_exceeded else ''}",
    ]
    if body.bytes_reclaimed is not None:
        limits.append(f"bytes reclaimed: {_size(body.bytes_reclaimed)} ({body.bytes_reclaimed:,} bytes)")
    if body.outcomes:
        limits.append("outcomes: " + ", ".join(f"{name} {n}" for name, n in sorted(body.outcomes.items())))
    limits.append(f"CodeArtifact calls: {sum(body.calls.values())}; {body.duration_seconds:.2f} s")
    items = "".join(f"<li>{_e(line)}</li>" for line in limits)
    return f'<h2>Totals</h2><table id="totals">{rows}</table><ul id="limits">{items}</ul>'


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def _package(item: RunItem) -> str:
    """An item's package, qualified: repository/namespace/package."""
    return "/".join(part for part in (item.repository, item.namespace, item.package) if part)


def _svg(chart_id: str, label: str, height: int, content: list[str]) -> str:
    return (
        f'<svg id="{chart_id}" role="img" aria-label="{_e(label)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">{"".join(content)}</svg>'
    )


def _bar_label(y: int, text: str) -> str:
    short = text if len(text) <= 45 else "…" + text[-44:]
    return f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">{_e(short)}</text>'


def _slug(item: RunItem) -> str:
    return item.action if is_candidate(item) else "not-candidate"


def _package_chart(body: RunReportBody) -> str:
    counts: dict[str, Counter[str]] = {}
    for item in body.items:
        counts.setdefault(_package(item), Counter())[_slug(item)] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-(kv[1]["dispose"] + kv[1]["archive"]), kv[0]))
    shown = ranked[:MAX_CHART_PACKAGES]
    scale = max((sum(c.values()) for _, c in shown), default=1)
    content = [
        f'<rect x="{LABEL + 90 * i}" y="4" width="12" height="12" fill="{COLOURS[a]}"></rect>'
        f'<text x="{LABEL + 90 * i + 16}" y="15">{LABELS.get(a, a)}</text>'
        for i, a in enumerate(ACTIONS)
    ]
    for row, (name, count) in enumerate(shown):
        y, x = 24 + row * ROW, float(LABEL)
        summary = ", ".join(f"{LABELS.get(a, a)} {count[a]}" for a in ACTIONS if count[a])
        content.append(f'<g class="package" data-package="{_e(name)}"><title>{_e(name)}: {summary}</title>')
        content.append(_bar_label(y, name))
        for action in ACTIONS:
            if count[action]:
                width = max(1.0, count[action] * BAR / scale)
                content.append(
                    f'<rect data-action="{action}" x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="16" '
                    f'fill="{COLOURS[action]}"></rect>'
                )
                x += width
        content.append(f'<text x="{x + 4:.1f}" y="{y + 15}">{sum(count.values())}</text></g>')
    note = f'<p id="charted">{len(shown)} of {len(ranked)} packages charted'
    note += "." if len(ranked) <= MAX_CHART_PACKAGES else " (the most disposals first; the table lists the rest)."
    if body.items_omitted:
        note += f" Charted from the {len(body.items)} decisions listed, not all {body.totals.versions}."
    note += "</p>"
    if not shown:
        note = "<p>No decisions listed.</p>"
    height = 30 + len(shown) * ROW
    return _svg("chart-packages", "keep, dispose and archive per package", height, content) + note


def _rule_chart(rules: dict[str, int]) -> str:
    ranked = sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))
    scale = max((n for _, n in ranked), default=1)
    content: list[str] = []
    for row, (rule, count) in enumerate(ranked):
        y, width = 4 + row * ROW, max(1.0, count * BAR / scale)
        colour = COLOURS.get(rule.split(":", 1)[0], COLOURS["not-selected"])
        content.append(
            f'<g class="rule" data-rule="{_e(rule)}"><title>{_e(rule)}: {count}</title>{_bar_label(y, rule)}'
            f'<rect x="{LABEL}" y="{y + 3}" width="{width:.1f}" height="16" fill="{colour}"></rect>'
            f'<text x="{LABEL + width + 4:.1f}" y="{y + 15}">{count}</text></g>'
        )
    return _svg("chart-rules", "versions per deciding rule", 8 + len(ranked) * ROW, content)


def _outcome(item: RunItem) -> str:
    if item.outcome == "failed":
        return f"failed: {item.error_code}: {item.error_message}"
    return item.outcome or ""


def _downloads_shown(items: list[RunItem]) -> bool:
    """The last-download column appears for a plan whose items carry downloads (a policy with the usage rule)."""
    return any(item.last_download is not None for item in items)


def _last_download(item: RunItem) -> str:
    at = item.last_download
    if at is None:
        return '<td data-sort="">none recorded</td>'
    by = f" by {_e(item.downloaded_by)}" if item.downloaded_by else ""
    return f'<td data-sort="{at.isoformat()}">{at:%Y-%m-%d %H:%M}Z{by}</td>'


def _decisions(view: PlanView) -> str:
    body = view.body
    columns = (
        ("action", "text"),
        ("package", "text"),
        ("version", "text"),
        ("status", "text"),
        ("published", "text"),
        ("age (days)", "number"),
        *((("last download", "text"),) if _downloads_shown(body.items) else ()),
        ("reason", "text"),
        ("outcome", "text"),
    )
    rows = []
    unknown = 0
    downloads = _downloads_shown(body.items)
    for item in body.items:
        slug, published, age = _slug(item), view.published_of(item), view.age_days(item)
        unknown += published is None
        when = "unknown" if published is None else f"{published:%Y-%m-%d %H:%M}Z"
        reason = item.reason if is_candidate(item) else f"{NOT_CANDIDATE}: {item.status} ({item.reason})"
        rows.append(
            f'<tr class="{slug}" data-action="{slug}" data-package="{_e(_package(item))}">'
            f'<td class="action">{LABELS.get(slug, slug)}</td><td>{_e(item.format)} {_e(_package(item))}</td>'
            f"<td>{_e(item.version)}</td><td>{_e(item.status)}</td>"
            f'<td data-sort="{"" if published is None else published.isoformat()}">{when}</td>'
            f'<td data-sort="{"" if age is None else age}">{"unknown" if age is None else age}</td>'
            f"{_last_download(item) if downloads else ''}"
            f"<td>{_e(reason)}</td><td>{_e(_outcome(item))}</td></tr>"
        )
    every = (
        f'<p id="complete">Every decision of the plan is listed: {len(rows)} rows.</p>'
        if not body.items_omitted
        else ""
    )
    times = (
        f'<p id="unknown-times">{unknown} versions show "unknown": {_e(UNKNOWN_TIME_REASON)}.</p>' if unknown else ""
    )
    options = "".join(f'<option value="{a}">{LABELS.get(a, a)}</option>' for a in ACTIONS)
    head = "".join(f'<th data-type="{kind}" title="sort by {name}">{name}</th>' for name, kind in columns)
    return (
        f"<h2>Decisions</h2>{every}{times}<p>"
        '<input id="filter" type="search" placeholder="filter by any text" aria-label="filter by any text"> '
        f'<select id="action-filter" aria-label="filter by action"><option value="">every action</option>{options}'
        f'</select> <span id="shown">{len(rows)}</span> of {len(rows)} shown; click a column header to sort</p>'
        f'<table id="decisions"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
