"""The plan's JSON Lines: every decision read back as the same PlanItem, whatever its text."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plan_lines import item_line, item_of, ref_line, ref_of
from disposer.model.plans import Action, PlanItem, Rule
from disposer.model.usage import Download

texts = st.text(min_size=1, max_size=40)
optional_texts = st.none() | texts
statuses = st.none() | st.sampled_from(PackageVersionStatus)
times = st.none() | st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.replace(microsecond=0))
refs = st.builds(PackageRef, texts, optional_texts, texts, st.sampled_from(PackageFormat), optional_texts, texts)
items = st.builds(
    PlanItem,
    ref=refs,
    version=texts,
    revision=optional_texts,
    status=statuses,
    action=st.sampled_from(Action),
    rule=st.sampled_from(Rule),
    reason=st.text(max_size=200),
    expected_status=statuses,
    published_time=times,
    last_download=st.none() | st.builds(Download, times.filter(lambda t: t is not None), optional_texts),
)


@given(items)
def test_every_item_reads_back_field_for_field(item: PlanItem):
    # GIVEN any decision, however its names are spelled
    # WHEN it is written as a line and read back
    read = item_of(item_line(item))
    # THEN it is the same decision, its publish time and last download included (which equality leaves out)
    assert read == item
    assert (read.published_time, read.last_download) == (item.published_time, item.last_download)


@given(refs)
def test_every_package_reads_back(ref: PackageRef):
    assert ref_of(ref_line(ref)) == ref


def test_a_line_names_each_field_as_the_api_does():
    # GIVEN a disposal pinned to its revision and status
    ref = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", "ui-kit")
    published = datetime(2025, 1, 31, 12, tzinfo=UTC)
    item = PlanItem(
        ref,
        "1.0.0",
        "r1",
        PackageVersionStatus.PUBLISHED,
        Action.DISPOSE,
        Rule.DISPOSE_OLDER_THAN,
        "older than 90 days",
        expected_status=PackageVersionStatus.PUBLISHED,
        published_time=published,
    )
    # THEN its line reads as the plan's items do in the API, camelCase
    assert item_line(item) == {
        "domain": "acme",
        "domainOwner": "111122223333",
        "repository": "releases",
        "format": "npm",
        "namespace": "acme",
        "package": "ui-kit",
        "version": "1.0.0",
        "revision": "r1",
        "status": "Published",
        "action": "dispose",
        "rule": "dispose:older-than",
        "reason": "older than 90 days",
        "expectedStatus": "Published",
        "publishedTime": "2025-01-31T12:00:00+00:00",
        "lastDownload": None,
        "downloadedBy": None,
    }


def test_a_line_written_before_downloads_were_recorded_reads_without_one():
    ref = PackageRef("acme", None, "releases", PackageFormat.PYPI, None, "tool")
    item = PlanItem(ref, "1.0", "r1", None, Action.KEEP, Rule.KEEP_LATEST, "kept")
    line = {k: v for k, v in item_line(item).items() if k not in ("lastDownload", "downloadedBy")}
    assert item_of(line).last_download is None
