"""What the CLI shows a person: rich tables and summaries on stdout, a progress bar on stderr (only on a
terminal), and the audit trail kept apart (a file, or stderr with --verbose), never mixed into a table."""

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from disposer.model.report import RunItem, RunReportBody
from disposer.pages.view import NOT_CANDIDATE, UNKNOWN_TIME_REASON, PlanView, is_candidate, shown_action

ACTION_STYLE = {"dispose": "red", "archive": "yellow", "keep": "green", NOT_CANDIDATE: "dim"}


def console(stream: TextIO) -> Console:
    # A file or a pipe gets plain text at a fixed width; a terminal gets colour at its own width.
    return Console(file=stream, width=None if stream.isatty() else 160, soft_wrap=False, highlight=False)


# The text plan lists at most this many rows unless --all: the rest are counted, exactly, below the table.
MAX_TABLE_ROWS = 5000


def print_table(view: PlanView, stdout: TextIO, *, show_kept: bool = False, show_all: bool = False) -> None:
    """The plan's rows (dispose and archive first), then exactly what was left out and how to see it."""
    body = view.body
    wanted = [item for item in body.items if show_kept or item.action != "keep"]
    shown = wanted if show_all else wanted[:MAX_TABLE_ROWS]
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for column in ("repository", "package", "version", "status", "published", "age", "action", "reason"):
        table.add_column(column.upper(), overflow="fold" if column == "reason" else "ellipsis")
    unknown = False
    for item in shown:
        action = shown_action(item)
        style = ACTION_STYLE.get(action, "")
        published, age = view.published_of(item), view.age_days(item)
        unknown = unknown or published is None
        table.add_row(
            item.repository,
            f"{item.namespace}/{item.package}" if item.namespace else item.package,
            escape(item.version),
            str(item.status or ""),
            "unknown" if published is None else f"{published:%Y-%m-%d}",
            "unknown" if age is None else f"{age} d",
            f"[{style}]{action}[/{style}]" if style else action,
            escape(_reason(item)),
        )
    out = console(stdout)
    if shown:
        out.print(table)
    left = Counter(shown_action(item) for item in wanted[len(shown) :])
    if left:
        out.print(
            f"... {sum(left.values())} more rows not shown ({_counts(left)}): --all lists every row; --json and "
            "--html FILE carry every decision"
        )
    kept = Counter(shown_action(item) for item in body.items if item.action == "keep") if not show_kept else Counter()
    if kept:
        out.print(f"... {_counts(kept)} versions not listed (--show-kept lists them)")
    if unknown:
        out.print(f"(unknown: {UNKNOWN_TIME_REASON})")


def _counts(counts: Counter[str]) -> str:
    order = ("dispose", "archive", "keep", NOT_CANDIDATE)
    return ", ".join(f"{counts[name]} {name}" for name in order if counts[name])


def _reason(item: RunItem) -> str:
    if not is_candidate(item):
        return f"{NOT_CANDIDATE}: {item.status}"
    if item.outcome == "failed":
        return f"{item.reason} -> FAILED {item.error_code}: {item.error_message}"
    return f"{item.reason} -> {item.outcome}" if item.outcome else item.reason


def mode_label(body: RunReportBody) -> str:
    if body.aborted:
        return "stopped part-way" if body.outcomes.get("disposed") else "aborted, nothing disposed"
    if body.mode == "apply":
        return "applied" if body.totals.dispose + body.totals.archive else "applied: nothing to dispose"
    return "plan only, nothing disposed"


def print_summary(view: PlanView, stdout: TextIO) -> None:
    """The counts, always of the whole plan; non-candidates apart from the versions kept by a rule."""
    body = view.body
    out = console(stdout)
    totals = body.totals
    archive = f", archive {totals.archive}" if totals.archive else ""
    cap = f"cap {body.max_disposals_per_run}{', EXCEEDED' if body.cap_exceeded else ''}"
    if body.max_disposals_percent is not None and body.max_disposals_percent < 100:
        cap += f", at most {body.max_disposals_percent}%{' EXCEEDED' if body.percent_exceeded else ''}"
    packages = f"{totals.packages} package{'' if totals.packages == 1 else 's'}"
    others = view.not_candidates()
    apart = ""
    if others:
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(others.items()))
        apart = f", not candidates {sum(others.values())} ({statuses})"
    out.print(
        f"\npolicy [bold]{escape(body.policy)}[/bold] as of {body.as_of:%Y-%m-%d %H:%M}Z ({mode_label(body)}): "
        f"{totals.versions} versions in {packages}; keep {view.keep_candidates}{apart}, dispose {totals.dispose}"
        f"{archive} ({cap})"
    )
    if body.aborted_reason:
        out.print(f"stopped: {escape(body.aborted_reason)}")
    out.print(escape(f"rules: {json.dumps(totals.rules)}"))
    if body.plan_digest:
        digest = body.plan_digest
        out.print(f"plan digest: {digest} (apply --expect-digest {digest} applies exactly this plan)")
    if body.outcomes:
        out.print(escape(f"outcomes: {json.dumps(body.outcomes)}"))
    if body.bytes_reclaimed is not None:
        out.print(f"bytes reclaimed: {body.bytes_reclaimed / 1e6:.1f} MB")
    for error in body.errors:
        out.print(escape(f"could not read {error.scope}: {error.error_code}: {error.error_message}"))
    calls = ", ".join(f"{name} {count}" for name, count in body.calls.items())
    out.print(f"CodeArtifact calls: {calls or 'none'}; {body.duration_seconds:.2f} s")


class AuditSink:
    """Where the function's log records go in the CLI: the audit file (if any), stderr with --verbose,
    and, one count per record, the progress bar. It is a stream for Powertools' log handler."""

    def __init__(self, *, audit_file: Path | None, verbose: TextIO | None, progress: "RunProgress") -> None:
        self._file = audit_file.open("a", encoding="utf-8") if audit_file is not None else None
        self._verbose = verbose
        self._progress = progress
        self.records = 0

    def write(self, text: str) -> int:
        # One record is one line: split on "\n" only. str.splitlines() also breaks at U+2028, U+0085 and the
        # other Unicode line boundaries, which json.dumps leaves unescaped inside a string (a reason, a
        # version), and would cut one record into two unparseable halves.
        for line in text.split("\n"):
            if not line.startswith("{"):
                continue
            self.records += 1
            if self._file is not None:
                self._file.write(line + "\n")
            if self._verbose is not None:
                self._verbose.write(line + "\n")
            self._progress.saw(line)
        return len(text)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class RunProgress:
    """Packages planned, then versions written, as a rich progress bar on a terminal (else nothing)."""

    def __init__(self, stream: TextIO) -> None:
        self._enabled = stream.isatty()
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self._planned = self._progress.add_task("packages planned", total=None, visible=self._enabled)
        self._written = self._progress.add_task("versions written", total=None, visible=False)

    @contextmanager
    def shown(self) -> Iterator["RunProgress"]:
        """The bars while the run plans and writes; gone (erased) before anything else is printed."""
        if not self._enabled:
            yield self
            return
        self._progress.start()
        try:
            yield self
        finally:
            self.stop()

    def stop(self) -> None:
        """Erase the bars and stop redrawing them: a live display redraws over whatever shares the
        terminal (a prompt, an answer, a message on stdout), so nothing is printed while it runs."""
        if self._enabled and self._progress.live.is_started:
            self._progress.stop()

    def resume(self) -> None:
        if self._enabled and not self._progress.live.is_started:
            self._progress.start()

    def expect_writes(self, count: int) -> None:
        if self._enabled and count:
            self._progress.update(self._written, total=count, visible=True)

    def saw(self, line: str) -> None:
        if not self._enabled:
            return
        if '"message":"plan"' in line:
            self._progress.advance(self._planned)
        elif '"message":"version outcome"' in line:
            self._progress.advance(self._written)
