"""`usage show` in a real pseudo-terminal, rendered as a person's screen (pyte): the table lines up and the
coverage line says plainly whether a download could have been missed."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.test_cli_terminal import Terminal
from tests.integration.usage.test_usage_show import BUILDER, PACKAGE, _covered, _download

pytest.importorskip("pexpect")


def test_usage_show_on_a_screen(moto_url: str, ledger_name: str, tmp_path: Path) -> None:
    ledger: Any = boto3.client("dynamodb", endpoint_url=moto_url)
    now = datetime.now(UTC)
    _download(ledger, ledger_name, "1.10.0", now - timedelta(days=1), BUILDER)
    _download(ledger, ledger_name, "1.2.0", now - timedelta(days=3), BUILDER)
    _covered(ledger, ledger_name, now - timedelta(days=31), now)
    terminal = Terminal(["--ledger-table", ledger_name, "usage", "show", *PACKAGE, "ui-kit"], tmp_path)
    assert terminal.exit_status() == 0
    screen = [line for line in terminal.shown().splitlines() if line]
    assert "every log file of the trail recorded" in screen[1]
    header, first, second = screen[2], screen[3], screen[4]
    # Columns line up under their headings, whatever the versions' lengths.
    assert (
        header.index("LAST DOWNLOAD") == first.index(now.strftime("%Y-%m-%d")[:4]) == second.index(now.strftime("%Y"))
    )
    assert first.split()[0] == "1.10.0" and second.split()[0] == "1.2.0"
    assert header.index("BY") == first.index("arn:") == second.index("arn:")
    assert screen[-1] == "2 versions with a recorded download; one not listed had none"
