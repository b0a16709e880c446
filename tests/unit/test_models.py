"""DisposeRequest carries CodeArtifact's own limits; every rejection names its field."""

from typing import Any

import pytest
from pydantic import ValidationError

from disposer.api.models import MAX_VERSIONS_PER_REQUEST, DisposeRequest

VALID: dict[str, Any] = {
    "domain": "acme",
    "domainOwner": "111122223333",
    "repository": "releases",
    "format": "npm",
    "namespace": "acme",
    "package": "ui-kit",
    "versions": ["1.0.0", "1.1.0"],
    "versionRevisions": {"1.0.0": "REV1"},
    "expectedStatus": "Published",
    "dryRun": True,
}


def _error_fields(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


def test_dispose_request_full_body_parses_with_aws_field_names():
    # GIVEN a body using every field of the API
    # WHEN it is parsed
    request = DisposeRequest.model_validate(VALID)
    # THEN it keeps every value, and the package reference carries all six coordinates
    assert request.dry_run is True
    assert request.version_revisions == {"1.0.0": "REV1"}
    assert request.ref.namespace == "acme"
    assert request.model_dump(by_alias=True, exclude_none=True)["versionRevisions"] == {"1.0.0": "REV1"}


def test_dispose_request_minimal_body_defaults_to_real_run():
    request = DisposeRequest.model_validate(
        {"domain": "acme", "repository": "releases", "format": "pypi", "package": "flask", "versions": ["1"]}
    )
    assert request.dry_run is False
    assert request.expected_status is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"domain": "Acme"}, "domain"),
        ({"domain": "a"}, "domain"),
        ({"domainOwner": "1234"}, "domainOwner"),
        ({"repository": "-bad"}, "repository"),
        ({"format": "docker"}, "format"),
        ({"package": "ui/kit"}, "package"),
        ({"package": "x" * 256}, "package"),
        ({"versions": []}, "versions"),
        ({"versions": ["1 0"]}, "versions.0"),
        ({"versions": [f"1.{i}" for i in range(MAX_VERSIONS_PER_REQUEST + 1)]}, "versions"),
        ({"versions": ["1.0.0", "1.0.0"]}, "versions"),
        ({"versions": "1.0.0"}, "versions"),
        ({"versionRevisions": {"9.9.9": "REV"}}, "versionRevisions"),
        ({"versionRevisions": {"1.0.0": ""}}, "versionRevisions.1.0.0"),
        ({"expectedStatus": "Gone"}, "expectedStatus"),
        ({"dryRun": "yes"}, "dryRun"),
        ({"dryRun": 1}, "dryRun"),
        ({"versionz": ["1"]}, "versionz"),
    ],
)
def test_dispose_request_bad_value_rejected_naming_field(change: dict[str, Any], field: str):
    # GIVEN a valid body with one bad value
    body = {**VALID, **change}
    # WHEN it is parsed
    with pytest.raises(ValidationError) as caught:
        DisposeRequest.model_validate(body)
    # THEN the error names that field
    assert field in _error_fields(caught.value)


@pytest.mark.parametrize(
    ("package_format", "namespace", "message"),
    [
        ("maven", None, "namespace is required for maven packages"),
        ("generic", None, "namespace is required for generic packages"),
        ("pypi", "acme", "namespace must be omitted for pypi packages"),
    ],
)
def test_dispose_request_namespace_not_fitting_format_rejected(package_format, namespace, message):
    body = {**VALID, "format": package_format, "namespace": namespace}
    with pytest.raises(ValidationError) as caught:
        DisposeRequest.model_validate(body)
    assert _error_fields(caught.value) == {"namespace"}
    assert message in str(caught.value)
