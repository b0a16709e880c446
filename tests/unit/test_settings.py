"""Deployment scope: a request outside the configured domain or repositories is refused before AWS."""

import pytest

from disposer.config import Settings
from disposer.errors import OutOfScopeError


def test_settings_from_environment_splits_repository_globs():
    settings = Settings.from_environment(
        {"DISPOSER_DOMAIN": "acme", "DISPOSER_REPOSITORIES": "releases, snapshots-* ,", "DISPOSER_DOMAIN_OWNER": ""}
    )
    assert settings.repositories == ("releases", "snapshots-*")
    assert settings.domain_owner is None


def test_settings_unset_allows_everything():
    Settings.from_environment({}).check_scope(domain="any", domain_owner="111122223333", repository="repo")


@pytest.mark.parametrize(
    ("domain", "owner", "repository", "message"),
    [
        ("other", None, "releases", "domain 'other'"),
        ("acme", "444455556666", "releases", "domainOwner '444455556666'"),
        ("acme", None, "private", "repository 'private'"),
    ],
)
def test_settings_check_scope_outside_refused(domain, owner, repository, message):
    settings = Settings(domain="acme", domain_owner="111122223333", repositories=("releases", "snapshots-*"))
    with pytest.raises(OutOfScopeError, match=message):
        settings.check_scope(domain=domain, domain_owner=owner, repository=repository)


def test_settings_check_scope_glob_matches():
    settings = Settings(domain="acme", repositories=("snapshots-*",))
    settings.check_scope(domain="acme", domain_owner=None, repository="snapshots-2026")
