"""keep.downloadedWithinDays in the engine and the run's view of the trail's coverage: usage only ever adds keeps,
and a gap in what the recorder saw keeps every candidate."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from disposer.errors import LedgerError
from disposer.model.packages import PackageRef
from disposer.model.plans import Action, Rule
from disposer.model.usage import Covered, Download, PackageUsage, first_gap
from disposer.retention.engine import PackageVersions, plan_package
from disposer.runs.usage import UsageReader, coverage_window
from tests.builders import NOW, REF, policy, version

PROPERTY = settings(max_examples=200, derandomize=True, deadline=None)
USAGE_POLICY = {"keep": {"downloadedWithinDays": 30}}


def _plan(usage: PackageUsage | None, **fields: object) -> dict[str, tuple[Action, Rule, str]]:
    versions = (version("1.0.0", 200), version("1.1.0", 150), version("1.2.0", 100), version("2.0.0", 10))
    package = PackageVersions(REF, versions, usage=usage)
    planned = plan_package(package, policy(**{**USAGE_POLICY, **fields}), NOW)
    return {i.version: (i.action, i.rule, i.reason) for i in planned.items}


def test_a_version_downloaded_within_the_window_is_kept_and_the_reason_names_the_download() -> None:
    downloads = {"1.1.0": Download(NOW - timedelta(days=3), "arn:aws:sts::111122223333:assumed-role/ci/build-7")}
    decided = _plan(PackageUsage(downloads=downloads))
    assert decided["1.1.0"] == (
        Action.KEEP,
        Rule.KEEP_DOWNLOADED,
        "kept: downloaded 2025-05-29 12:00 UTC by arn:aws:sts::111122223333:assumed-role/ci/build-7 (within 30 days)",
    )
    assert decided["1.0.0"] == (Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, _disposed())
    assert decided["1.2.0"][0] is Action.DISPOSE


def _disposed() -> str:
    return "dispose: older than 90 days and not downloaded within 30 days"


def test_a_download_exactly_at_the_cutoff_counts_and_one_before_it_does_not() -> None:
    at_cutoff = {"1.0.0": Download(NOW - timedelta(days=30))}
    assert _plan(PackageUsage(downloads=at_cutoff))["1.0.0"][1] is Rule.KEEP_DOWNLOADED
    before = {"1.0.0": Download(NOW - timedelta(days=30, seconds=1))}
    assert _plan(PackageUsage(downloads=before))["1.0.0"][0] is Action.DISPOSE


def test_a_download_after_the_decision_clock_keeps_too() -> None:
    later = {"1.0.0": Download(NOW + timedelta(days=40), None)}
    assert _plan(PackageUsage(downloads=later))["1.0.0"][:2] == (Action.KEEP, Rule.KEEP_DOWNLOADED)


@pytest.mark.parametrize("usage", [None, PackageUsage.unknown("the trail's coverage has a gap from X")])
def test_unknown_usage_keeps_every_candidate(usage: PackageUsage | None) -> None:
    decided = _plan(usage)
    candidates = ("1.0.0", "1.1.0", "1.2.0")
    assert {decided[v][1] for v in candidates} == {Rule.KEEP_USAGE_UNKNOWN}
    assert decided["1.0.0"][2].startswith("kept: usage unknown (")
    # Not a candidate: decided by select as before, never by usage.
    assert decided["2.0.0"][1] is Rule.NOT_SELECTED_AGE


def test_usage_comes_after_the_other_keep_rules() -> None:
    decided = _plan(PackageUsage.unknown("gap"), keep={"downloadedWithinDays": 30, "versionPatterns": [r"1\.0\.0"]})
    assert decided["1.0.0"][1] is Rule.KEEP_VERSION_PATTERN


def test_a_policy_without_the_rule_ignores_usage() -> None:
    plain = policy(select={"olderThanDays": 90})
    package = PackageVersions(REF, (version("1.0.0", 200),), usage=PackageUsage.unknown("gap"))
    assert plan_package(package, plain, NOW).items[0].action is Action.DISPOSE


@pytest.mark.parametrize("days", [0, 366, "30", True])
def test_the_window_is_bounded(days: object) -> None:
    with pytest.raises(ValidationError, match="downloadedWithinDays"):
        policy(keep={"downloadedWithinDays": days})


@st.composite
def _downloads(draw: st.DrawFn) -> PackageUsage:
    names = ("1.0.0", "1.1.0", "1.2.0", "2.0.0")
    chosen = draw(st.dictionaries(st.sampled_from(names), st.integers(-400, 400)))
    downloads = {name: Download(NOW - timedelta(days=d)) for name, d in chosen.items()}
    gap = draw(st.one_of(st.none(), st.just("gap")))
    return PackageUsage(downloads=downloads, gap=gap)


@PROPERTY
@given(_downloads(), st.integers(1, 365))
def test_usage_only_adds_keeps_and_a_gap_disposes_nothing(usage: PackageUsage, window: int) -> None:
    without = _plan(PackageUsage(), keep={"latest": 1})
    with_usage = _plan(usage, keep={"latest": 1, "downloadedWithinDays": window})
    for name, (action, _, _) in with_usage.items():
        if action is not Action.KEEP:
            assert without[name][0] is action
            assert usage.gap is None
            seen = usage.downloads.get(name)
            assert seen is None or seen.at < NOW - timedelta(days=window)


def _stretches(hours: Sequence[int], base: datetime) -> list[Covered]:
    return [Covered(base + timedelta(hours=h), base + timedelta(hours=h + 1)) for h in hours]


@PROPERTY
@given(st.sets(st.integers(0, 47)), st.integers(0, 47), st.integers(0, 47))
def test_first_gap_is_the_first_uncovered_instant(hours: set[int], low: int, high: int) -> None:
    low, high = min(low, high), max(low, high)
    base = NOW - timedelta(days=10)
    start, end = base + timedelta(hours=low, minutes=30), base + timedelta(hours=high, minutes=30)
    gap = first_gap(_stretches(sorted(hours), base), start, end)
    missing = [h for h in range(low, high + 1) if h not in hours] if high > low else []
    if not missing:
        assert gap is None
    else:
        assert gap == max(start, base + timedelta(hours=missing[0]))


def test_digest_windows_that_do_not_start_on_the_hour_join() -> None:
    base = NOW - timedelta(hours=5, minutes=17)
    chain = [Covered(base + timedelta(hours=h), base + timedelta(hours=h + 1)) for h in range(5)]
    assert first_gap(chain, base, base + timedelta(hours=5)) is None
    assert first_gap(chain[:2] + chain[3:], base, base + timedelta(hours=5)) == base + timedelta(hours=2)


class _Ledger:
    """The two reads UsageReader makes, answering from what a test gives (or failing as a ledger can)."""

    def __init__(self, covered: Sequence[Covered] | Exception, downloads: Mapping[str, Download] | Exception) -> None:
        self._covered, self._downloads = covered, downloads
        self.asked: list[tuple[datetime, datetime]] = []
        self.read: list[PackageRef] = []

    def covered(self, start: datetime, end: datetime) -> Sequence[Covered]:
        self.asked.append((start, end))
        if isinstance(self._covered, Exception):
            raise self._covered
        return self._covered

    def downloads(self, ref: PackageRef) -> Mapping[str, Download]:
        self.read.append(ref)
        if isinstance(self._downloads, Exception):
            raise self._downloads
        return self._downloads


def _reader(ledger: _Ledger, now: datetime = NOW, trusted: datetime = NOW) -> UsageReader:
    return UsageReader.for_run(ledger, policy(**USAGE_POLICY), now, trusted)  # type: ignore[arg-type]


def test_the_window_ends_an_hour_before_the_clock_and_a_backdated_clock_cannot_shorten_it() -> None:
    # A run's clock: [clock - N days, clock - 1 hour], however late its shard runs within the hour.
    late = NOW + timedelta(minutes=41, seconds=5)
    assert coverage_window(policy(**USAGE_POLICY), NOW, late) == (NOW - timedelta(days=30), NOW - timedelta(hours=1))
    # A clock set back by days still needs every hour up to two before the function's own.
    backdated = NOW - timedelta(days=60)
    assert coverage_window(policy(**USAGE_POLICY), backdated, NOW) == (
        backdated - timedelta(days=30),
        NOW - timedelta(hours=2),
    )


def test_a_covered_window_reads_each_selected_package_once() -> None:
    whole = [Covered(NOW - timedelta(days=31), NOW)]
    ledger = _Ledger(whole, {"1.0.0": Download(NOW)})
    reader = _reader(ledger)
    assert reader.gap is None
    assert reader.of(REF, [version("1.0.0", 200)], {}).downloads == {"1.0.0": Download(NOW)}
    assert reader.of(REF, [version("2.0.0", 10, status=version("x").status)], {}).gap is None
    assert ledger.read == [REF, REF]


@pytest.mark.parametrize(
    ("covered", "why"),
    [
        ([], "the trail's coverage has a gap from 2025-05-02 12:00 UTC"),
        (LedgerError("throttled"), "the trail's coverage could not be read from the ledger"),
    ],
)
def test_a_gap_or_an_unreadable_coverage_reads_no_downloads(covered: list[Covered] | Exception, why: str) -> None:
    ledger = _Ledger(covered, {})
    usage = _reader(ledger).of(REF, [version("1.0.0", 200)], {})
    assert usage.gap == why
    assert ledger.read == []


def test_downloads_that_cannot_be_read_make_the_package_unknown() -> None:
    ledger = _Ledger([Covered(NOW - timedelta(days=31), NOW)], LedgerError("throttled"))
    assert _reader(ledger).of(REF, [version("1.0.0", 200)], {}).gap == "its downloads could not be read from the ledger"
