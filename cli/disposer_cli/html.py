"""A run's plan as one self-contained HTML page, for a reviewer to open or attach to a change request.

`plan --html FILE` writes it. The page shows the policy, mode, time and run id; the plan digest (which
`apply --expect-digest` takes to apply exactly the plan reviewed); the totals, the breakers and, when
measured, the bytes reclaimed; two charts (keep/dispose/archive per package, versions per deciding rule);
and every listed decision with its reason, in a table filtered by text and by action.

It works offline and loads nothing: the charts are inline SVG drawn here, the filters a few lines of inline
JavaScript, the styles inline, and a Content-Security-Policy forbids any fetch. Every value from the
report (package names, versions, reasons are user data) is escaped with html.escape.
"""

from collections import Counter
from html import escape

from disposer.model.report import RunItem, RunReportBody

ACTIONS = ("keep", "dispose", "archive")
COLOURS = {"keep": "#2e7d32", "dispose": "#c62828", "archive": "#ef8f00", "not-selected": "#78909c"}
MAX_CHART_PACKAGES = 40
ROW, LABEL, BAR = 22, 300, 440
WIDTH = LABEL + BAR + 70

STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em;color:#212121}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
#digest{border:2px solid #1565c0;background:#e3f2fd;padding:.6em 1em;border-radius:6px}
#digest code.value{font-size:1.2em;font-weight:bold;word-break:break-all}
.warn{background:#fff3e0;border-left:4px solid #ef6c00;padding:.4em .8em}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
#totals td{text-align:right}#decisions{width:100%}tr.dispose td.action{color:#c62828;font-weight:bold}
tr.archive td.action{color:#ef8f00;font-weight:bold}svg text{font-size:12px;fill:#212121}
"""

SCRIPT = """
const text = document.getElementById("filter"), action = document.getElementById("action-filter");
const rows = Array.from(document.querySelectorAll("#decisions tbody tr"));
const shown = document.getElementById("shown");
function update() {
  const q = text.value.trim().toLowerCase(), a = action.value;
  let n = 0;
  for (const row of rows) {
    const show = (!a || row.dataset.action === a) && (!q || row.textContent.toLowerCase().includes(q));
    row.hidden = !show;
    if (show) n++;
  }
  shown.textContent = String(n);
}
text.addEventListener("input", update);
action.addEventListener("change", update);
update();
"""

# Inline styles and the script above only: no request of any kind leaves the page.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def render_plan_html(body: RunReportBody) -> str:
    """The whole page, as text: write it to a file (UTF-8) and open it in any browser, offline."""
    title = f"Plan of {body.policy} as of {body.as_of:%Y-%m-%d %H:%M}Z"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
            _header(body, title),
            _totals(body),
            "<h2>Decisions per package</h2>",
            _package_chart(body.items),
            "<h2>Versions per deciding rule</h2>",
            _rule_chart(body.totals.rules),
            _decisions(body),
            f"<script>{SCRIPT}</script>",
            "</body></html>",
            "",
        ]
    )


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _header(body: RunReportBody, title: str) -> str:
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
    return (
        f"<h1>{_e(title)}</h1><p>Policy <b>{_e(body.policy)}</b>, mode <b>{_e(body.mode)}</b> ({_e(state)}), "
        f"as of <b>{_e(body.as_of.isoformat())}</b>, trigger {_e(body.trigger)}, run id <code>{_e(body.run_id)}</code>"
        f"</p>{digest}{''.join(warnings)}"
    )


def _totals(body: RunReportBody) -> str:
    totals = body.totals
    figures = [(name, getattr(totals, name)) for name in ("packages", "versions", *ACTIONS)]
    rows = "".join(f'<tr><th>{name}</th><td data-total="{name}">{value}</td></tr>' for name, value in figures)
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


def _package_chart(items: list[RunItem]) -> str:
    counts: dict[str, Counter[str]] = {}
    for item in items:
        counts.setdefault(_package(item), Counter())[item.action] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-(kv[1]["dispose"] + kv[1]["archive"]), kv[0]))
    shown = ranked[:MAX_CHART_PACKAGES]
    scale = max((sum(c.values()) for _, c in shown), default=1)
    content = [
        f'<rect x="{LABEL + 90 * i}" y="4" width="12" height="12" fill="{COLOURS[a]}"></rect>'
        f'<text x="{LABEL + 90 * i + 16}" y="15">{a}</text>'
        for i, a in enumerate(ACTIONS)
    ]
    for row, (name, count) in enumerate(shown):
        y, x = 24 + row * ROW, float(LABEL)
        summary = ", ".join(f"{a} {count[a]}" for a in ACTIONS)
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
    note = "" if len(ranked) <= MAX_CHART_PACKAGES else f"<p>{len(ranked) - len(shown)} more packages not charted.</p>"
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


def _decisions(body: RunReportBody) -> str:
    columns = ("action", "package", "version", "status", "reason", "outcome")
    rows = [
        f'<tr class="{item.action}" data-action="{item.action}" data-package="{_e(_package(item))}">'
        f'<td class="action">{item.action}</td><td>{_e(item.format)} {_e(_package(item))}</td>'
        f"<td>{_e(item.version)}</td><td>{_e(item.status)}</td><td>{_e(item.reason)}</td>"
        f"<td>{_e(_outcome(item))}</td></tr>"
        for item in body.items
    ]
    omitted = ""
    if body.items_omitted:
        omitted = (
            f'<p class="warn" id="omitted">{body.items_omitted} more decisions are not listed here (nor charted per '
            "package): the run's plan records in the audit trail have every one. Dispose and archive decisions are "
            "listed first.</p>"
        )
    options = "".join(f'<option value="{a}">{a}</option>' for a in ACTIONS)
    return (
        f"<h2>Decisions</h2>{omitted}<p>"
        '<input id="filter" type="search" placeholder="filter by any text" aria-label="filter by any text"> '
        f'<select id="action-filter" aria-label="filter by action"><option value="">every action</option>{options}'
        f'</select> <span id="shown">{len(rows)}</span> of {len(rows)} shown</p>'
        f'<table id="decisions"><thead><tr>{"".join(f"<th>{c}</th>" for c in columns)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
