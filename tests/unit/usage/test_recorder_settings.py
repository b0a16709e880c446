"""The recorder's settings: the trail's bucket and prefix, the ignored callers (comma-separated, like repositories),
the function's region; and the domain owner's account, the function's own unless the settings name another."""

import pytest

from disposer.recorder.handler import recorder_for
from disposer.settings import (
    ENV_USAGE_BUCKET,
    ENV_USAGE_IGNORE_PRINCIPALS,
    ENV_USAGE_PREFIX,
    Settings,
)

ARN = "arn:aws:lambda:eu-west-1:111122223333:function:recorder"


def test_settings_usage_trail_from_environment(monkeypatch: pytest.MonkeyPatch):
    assert (ENV_USAGE_BUCKET, ENV_USAGE_PREFIX, ENV_USAGE_IGNORE_PRINCIPALS) == (
        "DISPOSER_USAGE_BUCKET",
        "DISPOSER_USAGE_PREFIX",
        "DISPOSER_USAGE_IGNORE_PRINCIPALS",
    )
    monkeypatch.setenv(ENV_USAGE_BUCKET, "org-trail")
    monkeypatch.setenv(ENV_USAGE_IGNORE_PRINCIPALS, " arn:aws:iam::*:role/scanner ,, arn:aws:iam::*:user/mirror-? ")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    settings = Settings.from_environment()
    assert settings.usage_bucket == "org-trail" and settings.usage_prefix == ""
    assert settings.usage_ignore_principals == ("arn:aws:iam::*:role/scanner", "arn:aws:iam::*:user/mirror-?")
    assert settings.region == "eu-west-1"


@pytest.mark.parametrize(("owner", "expected"), [(None, "111122223333"), ("444455556666", "444455556666")])
def test_recorder_for_domain_owner_is_the_functions_account_unless_named(
    monkeypatch: pytest.MonkeyPatch, owner: str | None, expected: str
):
    monkeypatch.setenv("DISPOSER_LEDGER_TABLE", "ledger")
    monkeypatch.setenv("DISPOSER_USAGE_PREFIX", "trails/")
    if owner:
        monkeypatch.setenv("DISPOSER_DOMAIN_OWNER", owner)
    recorder = recorder_for(Settings.from_environment(), ARN)
    assert recorder.layout.account == recorder.scope.domain_owner == expected
    assert (recorder.layout.region, recorder.layout.root) == ("us-east-1", "trails/AWSLogs/")
