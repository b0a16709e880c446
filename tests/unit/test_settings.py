"""Settings from the environment, and the deployment's scope: a request outside it is refused before AWS."""

import pytest

from disposer.errors import OutOfScopeError, SettingsError
from disposer.safety.scope import Scope
from disposer.settings import DEFAULT_QUOTA_SHARE, ENV_QUOTA_SHARE, Settings


def test_settings_from_environment_splits_repository_globs(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DISPOSER_DOMAIN", "acme")
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "releases, snapshots-* ,")
    monkeypatch.setenv("DISPOSER_DOMAIN_OWNER", "")
    settings = Settings.from_environment()
    assert settings.repositories == ("releases", "snapshots-*")
    assert settings.domain_owner is None


def test_settings_unset_take_their_one_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV_QUOTA_SHARE, raising=False)
    assert Settings.from_environment().quota_share == DEFAULT_QUOTA_SHARE


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DISPOSER_QUOTA_SHARE", "half"), ("DISPOSER_THREADS", "0"), ("DISPOSER_MEASURE_BYTES", "perhaps")],
)
def test_settings_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str):
    # GIVEN a value that does not parse / WHEN the settings are read
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        Settings.from_environment()
    # THEN the error names the variable and what it held
    assert variable in raised.value.message and repr(value) in raised.value.message


def test_settings_endpoint_falls_back_to_the_generic_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    assert Settings.from_environment().dynamodb_endpoint == "http://127.0.0.1:5000"


def test_scope_unset_allows_everything():
    Scope().check(domain="any", domain_owner="111122223333", repository="repo")


@pytest.mark.parametrize(
    ("domain", "owner", "repository", "message"),
    [
        ("other", None, "releases", "domain 'other'"),
        ("acme", "444455556666", "releases", "domainOwner '444455556666'"),
        ("acme", None, "private", "repository 'private'"),
    ],
)
def test_scope_check_outside_refused(domain, owner, repository, message):
    scope = Scope(domain="acme", domain_owner="111122223333", repositories=("releases", "snapshots-*"))
    with pytest.raises(OutOfScopeError, match=message):
        scope.check(domain=domain, domain_owner=owner, repository=repository)


def test_scope_check_glob_matches():
    Scope(domain="acme", repositories=("snapshots-*",)).check(
        domain="acme", domain_owner=None, repository="snapshots-2026"
    )
