"""`make bench`: every benchmark in turn, each printing one JSON line of figures, then a table of the headline
figures beside their targets (docs/benchmarks.md explains each)."""

import json
from collections.abc import Callable
from typing import Any

from bench import (
    cold_start,
    deadline_bench,
    dependencies_bench,
    emulator_bench,
    recorder_bench,
    rerun_bench,
    retention_bench,
    scale_bench,
    small_bench,
    steady_bench,
    workflow_bench,
)
from infra import asset_size


def _row(figure: str, value: object, target: str = "", met: bool | None = None) -> tuple[str, str, str, str]:
    return figure, str(value), target, {True: "yes", False: "NO", None: ""}[met]


def _run_rows(name: str, figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    targets = figures["targets"]
    speedup = figures.get("speedup", {})

    def met(prefix: str) -> tuple[str, bool | None]:
        key = next(key for key in targets if key.startswith(prefix))
        return key[len(prefix) :], targets[key]

    return [
        _row(f"{name}: wall seconds (naive)", f"{figures['wall_seconds']} ({figures['baseline']['wall_seconds']})"),
        _row(f"{name}: wall, times faster than naive", speedup.get("wall"), *met("speedup_wall")),
        _row(f"{name}: calls, times fewer than naive", speedup.get("calls"), *met("speedup_calls")),
        _row(f"{name}: wall over quota floor", figures["wall_over_quota_floor"], *met("wall_over_quota_floor")),
        _row(f"{name}: peak RSS MB", figures["peak_rss_mb"], *met("peak_rss_mb")),
        _row(
            f"{name}: disposed outside the plan",
            figures["disposed_outside_plan"],
            "==0",
            targets["disposed_outside_plan==0"],
        ),
    ]


def _steady_rows(steady: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    ledger, no_ledger = steady["ledger"][0], steady["no_ledger"][0]
    wall = steady["wall_seconds"]
    naive = steady.get("naive", {"calls": {"total": None}})
    limit = steady_bench.TARGETS["dynamodb_requests_per_package"]
    per_package = max(run["dynamodb_requests_per_package"] for run in steady["ledger"])
    return [
        _row("steady 100 x 120: DynamoDB requests per package", per_package, f"<={limit}", per_package <= limit),
        _row(
            "steady 100 x 120: CodeArtifact calls (no ledger, naive)",
            f"{ledger['calls']['total']} ({no_ledger['calls']['total']}, {naive['calls']['total']})",
        ),
        _row(
            "steady 100 x 120: wall seconds (no ledger, naive)",
            f"{wall['ledger']} ({wall['no_ledger']}, {wall.get('naive')})",
        ),
        _row(
            "steady 100 x 120 a day later: DynamoDB requests",
            ", ".join(f"{op} {n}" for op, n in steady["next_day"]["dynamodb_requests"].items()),
        ),
    ]


def _workflow_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    name = f"workflow, {figures['versions']:,}"
    targets = figures["targets"]
    limits = workflow_bench.TARGETS
    return [
        _row(f"{name}: wall seconds (quota floor)", f"{figures['wall_seconds']} ({figures['quota_floor_seconds']})"),
        _row(
            f"{name}: wall over quota floor",
            figures["wall_over_quota_floor"],
            f"<={limits['wall_over_quota_floor']:g}",
            targets[f"wall_over_quota_floor<={limits['wall_over_quota_floor']:g}"],
        ),
        _row(
            f"{name}: peak RSS MB of an invocation",
            figures["peak_rss_mb"],
            f"<{limits['peak_rss_mb']:g}",
            targets[f"peak_rss_mb<{limits['peak_rss_mb']:g}"],
        ),
        _row(
            f"{name}: disposed outside the plan",
            figures["disposed_outside_plan"],
            "==0",
            targets["disposed_outside_plan==0"],
        ),
    ]


def _dependency_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for seed in figures["seeds"]:
        name = f"keep.dependencies, {seed['versions']:,} versions"
        with_, without, checks = seed["with_dependencies"], seed["without_dependencies"], seed["checks"]
        reads = dependencies_bench.LIST_DEPENDENCIES
        first, steady = (with_[run]["calls"].get(reads, 0) for run in ("first", "steady"))
        walls = [variant[run]["wall_seconds"] for variant in (with_, without) for run in ("first", "steady")]
        requests = " / ".join(str(with_[run]["dynamodb_requests"]["total"]) for run in ("first", "steady"))
        planned = with_["first"]["planned_disposals"], without["first"]["planned_disposals"]
        rows += [
            _row(
                f"{name}: ListPackageVersionDependencies, first / steady",
                f"{first} / {steady}",
                f"=={seed['depending_versions']} / ==0",
                checks["first_reads_each_depending_version_once"] and checks["steady_reads_none"],
            ),
            _row(f"{name}: wall s, first / steady (without it)", "{} / {} ({} / {})".format(*walls)),
            _row(f"{name}: DynamoDB requests, first / steady", requests),
            _row(
                f"{name}: planned disposals with / without it",
                " / ".join(map(str, planned)),
                "kept == the difference",
                checks["kept_is_what_without_disposes_more"],
            ),
        ]
    return rows


def table(results: dict[str, dict[str, Any]]) -> str:
    rows: list[tuple[str, str, str, str]] = [("figure", "measured", "target", "met")]
    cold = results["cold_import"]
    for entry, ms in cold["import_ms_median"].items():
        rows.append(_row(f"cold import ms, {entry} entry", ms, f"<{cold_start.TARGET_MS:g}", ms < cold_start.TARGET_MS))
    rows += _run_rows("100 x 120", results["small"])
    rows += _run_rows("110,700", results["scale"])
    rerun = results["rerun"]
    unchanged = rerun["unchanged"]
    rows.append(
        _row(
            "re-run: describes per package",
            unchanged["describes_per_package"],
            "<=0.1",
            unchanged["describes_per_package"] <= 0.1,
        )
    )
    rows.append(
        _row(
            "re-run: times fewer calls than first",
            rerun["unchanged_fewer_calls_than_first"],
            ">=5",
            rerun["unchanged_fewer_calls_than_first"] >= 5,
        )
    )
    rows += _steady_rows(results["steady"])
    rows += _dependency_rows(results["dependencies"])
    rows += _workflow_rows(results["workflow"])
    deadline = results["deadline"]
    rows.append(
        _row(
            "POST /dispose of 1,000 at 40 ms: seconds to answer",
            deadline["answer_seconds"],
            "<=29",
            deadline["answer_seconds"] <= 29,
        )
    )
    recorder = results["recorder"]
    rows.append(
        _row(
            f"recorder, {recorder['file']['json_mb']} MB log file: records/s (downloads/s)",
            f"{recorder['records_per_second']} ({recorder['downloads_per_second']})",
        )
    )
    rows.append(_row("recorder: parse alone, MB of JSON/s", recorder["parse_only_json_mb_per_second"]))
    rows.append(
        _row("recorder: peak RSS MB (rise in the invocation)", f"{recorder['peak_rss_mb']} ({recorder['rss_rise_mb']})")
    )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> None:
    runs: dict[str, Callable[[], dict[str, Any]]] = {
        "cold_import": cold_start.measure,
        "emulator": emulator_bench.measure,
        "retention": lambda: retention_bench.measure().summary,
        "deadline": deadline_bench.measure,
        "small": lambda: scale_bench.measure(small_bench.config()) | {"benchmark": "small"},
        "rerun": rerun_bench.measure,
        "steady": steady_bench.measure,
        "dependencies": dependencies_bench.measure,
        "scale": scale_bench.measure,
        "workflow": workflow_bench.measure,
        "recorder": recorder_bench.measure,
    }
    results: dict[str, dict[str, Any]] = {}
    asset_size.main(["--json"])
    for name, run in runs.items():
        results[name] = run()
        print(json.dumps(results[name]), flush=True)
    print()
    print(table(results))


if __name__ == "__main__":
    main()
