"""`usage show` and POST /usage: a package's last downloads as the ledger holds them, and whether the trail covers
the window, through the real handler behind a local API Gateway (signed), and from a local ledger table."""

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from disposer.ledger.table import package_key
from disposer.ledger.usage import COVERAGE_KEY, stamp, usage_key
from disposer.model.packages import PackageFormat, PackageRef
from disposer_cli.exits import EXIT_BAD_INPUT, EXIT_OK
from disposer_cli.main import main
from tests.integration.local_gateway import local_api

CALLER = "arn:aws:sts::111122223333:assumed-role/PlatformOps/cli-user"
BUILDER = "arn:aws:sts::111122223333:assumed-role/ci/build-42"
REF = PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "ui-kit")
PACKAGE = ["--domain", "acme", "--repository", "releases", "--format", "npm", "--namespace", "acme", "--package"]


@pytest.fixture
def ledger(moto_url: str, ledger_name: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url)


def _download(client: Any, table: str, version: str, at: datetime, principal: str) -> None:
    item = {**usage_key(package_key(REF), version), "at": {"N": str(at.timestamp())}, "principal": {"S": principal}}
    client.put_item(TableName=table, Item=item)


def _covered(client: Any, table: str, start: datetime, end: datetime, pending_from: datetime | None = None) -> None:
    """Hourly digests from `start` to `end`, as the recorder leaves them; the one starting at `pending_from` still
    waits for a log file it lists."""
    items = []
    while start < end:
        item = {
            "pk": {"S": COVERAGE_KEY},
            "sk": {"S": f"{stamp(start)}#digest#AWSLogs/111122223333/CloudTrail-Digest/{stamp(start)}.json.gz"},
            "start": {"N": str(start.timestamp())},
            "end": {"N": str((start + timedelta(hours=1)).timestamp())},
            "pending": {"N": "1" if start == pending_from else "0"},
        }
        items.append({"PutRequest": {"Item": item}})
        start += timedelta(hours=1)
    for first in range(0, len(items), 25):
        client.batch_write_item(RequestItems={table: items[first : first + 25]})


@pytest.fixture
def api_url(emulator: Any, ledger_name: str) -> Iterator[str]:
    with local_api(CALLER, []) as url:
        yield url


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), io.StringIO(), out), out.getvalue()


def test_usage_show_through_the_api_names_each_download_and_a_covered_window(
    api_url: str, ledger: Any, ledger_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    now = datetime.now(UTC)
    _download(ledger, ledger_name, "1.1.0", now - timedelta(days=2), BUILDER)
    _download(ledger, ledger_name, "1.0.0", now - timedelta(days=45), BUILDER)
    _covered(ledger, ledger_name, now - timedelta(days=31), now)
    code, shown = _cli("--api-url", api_url, "usage", "show", *PACKAGE, "ui-kit", "--days", "30")
    assert code == EXIT_OK, shown
    lines = shown.splitlines()
    assert "every log file of the trail recorded" in lines[1]
    assert lines[3].split()[0] == "1.1.0" and BUILDER in lines[3]
    assert lines[4].split()[0] == "1.0.0" and lines[4].endswith("(before the window)")
    code, answer = _cli("--api-url", api_url, "usage", "show", *PACKAGE, "ui-kit", "--json")
    document = json.loads(answer)
    assert document["coverage"]["covered"] is True
    assert [(v["version"], v["withinWindow"]) for v in document["versions"]] == [("1.1.0", True), ("1.0.0", False)]


def test_usage_show_says_when_the_window_is_not_covered(ledger: Any, ledger_name: str) -> None:
    now = datetime.now(UTC)
    # Covered but for one digest still waiting for a log file it lists.
    start = now - timedelta(days=31)
    _covered(ledger, ledger_name, start, now, pending_from=start + timedelta(days=28))
    code, shown = _cli("--ledger-table", ledger_name, "usage", "show", *PACKAGE, "ui-kit")
    assert code == EXIT_OK
    gap = (now - timedelta(days=3)).strftime("%Y-%m-%d %H:%M UTC")
    assert f"NOT covered: the trail's coverage has a gap from {gap}" in shown
    assert "no download recorded of any version" in shown


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--days", "0"], "not a number of days from 1 to 365"),
        (["--format", "npx"], "format"),
    ],
)
def test_usage_show_bad_input_names_what_is_wrong(
    ledger_name: str, args: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) if "--days" in args else _no_exit():
        code, _ = _cli("--ledger-table", ledger_name, "usage", "show", *PACKAGE, "ui-kit", *args)
        assert code == EXIT_BAD_INPUT
    assert named in capsys.readouterr().err


class _no_exit:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
