"""The ledger table's publish times: remembered per version and revision, read back per package in one
Query, kept apart per package. DynamoDB is moto's in-process mock."""

from datetime import UTC, datetime

import pytest

from disposer.errors import LedgerError
from disposer.ledger.table import LedgerTable, legacy_package_key, package_key
from disposer.model.packages import PackageFormat, PackageRef
from tests.builders import NOW, REF

OTHER = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, None, "ui-kit")


def test_ledger_publish_times_read_back_by_version_and_revision(ledger_table: LedgerTable):
    # GIVEN 60 publish times remembered (more than one batch of writes), a revision containing '#'
    times = {(f"1.0.{i}", f"rev#{i}"): datetime(2026, 1, 1 + i % 28, 12, 0, 0, 250000, UTC) for i in range(60)}
    ledger_table.remember_publish_times(REF, times, now=1.0)
    # WHEN read back THEN each is there, to the microsecond, and another package's partition is apart
    assert ledger_table.publish_times(REF) == times
    assert ledger_table.publish_times(OTHER) == {}


def test_ledger_package_key_distinguishes_every_coordinate_but_the_owner():
    keys = {
        package_key(ref)
        for ref in (
            REF,
            OTHER,
            PackageRef("acme", "111122223333", "releases", PackageFormat.PYPI, None, "ui-kit"),
            PackageRef("acme", "111122223333", "snapshots", PackageFormat.NPM, "acme", "ui-kit"),
            PackageRef("other", "111122223333", "releases", PackageFormat.NPM, "acme", "ui-kit"),
        )
    }
    assert len(keys) == 5


def test_ledger_package_key_the_same_whether_the_owner_is_named_or_not():
    # A policy that adds domainOwner must find the records a policy without it made (and the reverse).
    named, unnamed = REF, PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "ui-kit")
    assert package_key(named) == package_key(unnamed) == "pkg#acme##releases#npm#acme#ui-kit"


def test_ledger_failure_is_the_services_own_error(ledger_table: LedgerTable):
    missing = LedgerTable("no-such-table", ledger_table._client)  # noqa: SLF001 - the same mock, another name
    with pytest.raises(LedgerError):
        missing.publish_times(REF)


def test_ledger_reads_and_marks_a_record_an_earlier_version_wrote_under_the_owners_key(ledger_table: LedgerTable):
    # GIVEN a quarantine record an earlier version wrote for a policy naming the owner (the owner in the key)
    legacy = legacy_package_key(REF)
    assert legacy is not None and legacy != package_key(REF)
    item = {
        "pk": {"S": legacy},
        "sk": {"S": "quarantine#prune#1.0.0"},
        "revision": {"S": "r-1.0.0"},
        "status_before": {"S": "Published"},
        "since": {"N": "1000.0"},
        "run_id": {"S": "run-0"},
    }
    ledger_table._client.put_item(TableName=ledger_table.name, Item=item)  # noqa: SLF001 - the same mock
    # WHEN read now, and its restore remembered
    found = ledger_table.package_memory(REF, "prune").quarantine
    ledger_table.mark_restored(REF, "prune", "1.0.0", NOW)
    # THEN it is found (its grace goes on) and the restore is kept with it
    assert found["1.0.0"].run_id == "run-0"
    assert ledger_table.package_memory(REF, "prune").quarantine["1.0.0"].restored_at is not None
