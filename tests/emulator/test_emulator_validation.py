"""Server-side validation from botocore's model, AWS-format messages, and raw-HTTP protocol edges."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from local.emulator.validation import java_pattern

DOMAIN_PATTERN = r"[a-z][a-z0-9\-]{0,48}[a-z0-9]"


def _raw(
    url: str, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=5)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_validation_bad_domain_pattern_aws_message_and_reason(client):
    # GIVEN a domain name breaking the model's pattern
    # WHEN described
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.describe_domain(domain="Bad_Domain")

    # THEN the message and reason follow AWS
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'Bad_Domain' at 'domain' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {DOMAIN_PATTERN}"
    )
    assert caught.value.response["reason"] == "FIELD_VALIDATION_FAILED"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_validation_bad_format_enum_lists_allowed_values(client):
    # GIVEN a format outside the enum (botocore does not check enums client-side)
    # WHEN packages are listed with it
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.list_packages(domain="acme", repository="releases", format="bogus")

    # THEN the message lists the enum
    assert caught.value.response["Error"]["Message"].endswith(
        "Member must satisfy enum value set: [npm, pypi, maven, nuget, generic, ruby, swift, cargo]"
    )


def test_validation_more_than_100_versions_fails_list_length(client, ui_kit):
    # GIVEN 101 versions
    versions = [f"9.0.{i}" for i in range(101)]

    # WHEN disposed
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.dispose_package_versions(**ui_kit, versions=versions)

    # THEN the list length constraint is reported
    assert (
        "at 'versions' failed to satisfy constraint: Member must have length less than or equal to 100"
        in (caught.value.response["Error"]["Message"])
    )


def test_validation_max_results_1001_fails_range(client, ui_kit):
    # GIVEN max-results above 1000
    # WHEN versions are listed
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.list_package_versions(**ui_kit, maxResults=1001)

    # THEN the range constraint is reported
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000"
    )


def test_validation_missing_required_members_reports_each_null(emulator, make_client):
    # GIVEN a client that skips botocore's own parameter validation
    client = make_client(emulator.url, parameter_validation=False)

    # WHEN ListPackageVersions is sent without repository, format and package
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.list_package_versions(domain="acme")

    # THEN every missing member is reported as null
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("3 validation errors detected: ")
    for member in ("repository", "format", "package"):
        assert f"Value null at '{member}' failed to satisfy constraint: Member must not be null" in message


def test_validation_bad_version_in_list_reports_member_path(client, ui_kit):
    # GIVEN a version string with a '/' (pattern [^#/\s]+)
    # WHEN disposed
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.dispose_package_versions(**ui_kit, versions=["1.0.0", "bad/version"])

    # THEN the list member is named
    assert "at 'versions.2.member'" in caught.value.response["Error"]["Message"]


def test_validation_bad_expected_status_enum_raises(client, ui_kit):
    # GIVEN an expectedStatus outside the enum
    # WHEN disposed
    # THEN validation fails
    with pytest.raises(client.exceptions.ValidationException):
        client.dispose_package_versions(**ui_kit, versions=["1.0.0"], expectedStatus="Gone")


def test_validation_long_description_fails_max_length(client):
    # GIVEN a description over 1000 characters
    # WHEN a repository is created with it
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_repository(domain="acme", repository="long", description="x" * 1001)

    # THEN the length constraint is reported
    assert "Member must have length less than or equal to 1000" in caught.value.response["Error"]["Message"]


def test_java_pattern_unicode_categories_translate():
    # GIVEN the model's Java patterns that Python's re cannot compile directly
    # WHEN translated
    # THEN \P{C} excludes control characters and the negated class excludes whitespace too
    assert java_pattern(r"\P{C}+").fullmatch("naïve name.tgz")
    assert not java_pattern(r"\P{C}+").fullmatch("bell\u0007")
    assert java_pattern(r"[^\p{C}\p{IsWhitespace}]+").fullmatch("no-spaces")
    assert not java_pattern(r"[^\p{C}\p{IsWhitespace}]+").fullmatch("a space")
    assert java_pattern(r"[\P{C}\s]+").fullmatch("tab\tok")


def test_http_unparsable_integer_query_cannot_parse(emulator):
    # GIVEN max-results that is not an integer
    target = "/v1/package/versions?domain=acme&repository=releases&format=npm&package=x&max-results=ten"

    # WHEN sent raw
    status, headers, body = _raw(emulator.url, "POST", target)

    # THEN it is a 400 ValidationException with reason CANNOT_PARSE
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "ValidationException"
    assert json.loads(body)["reason"] == "CANNOT_PARSE"


def test_http_malformed_json_body_cannot_parse(emulator):
    # GIVEN a dispose call whose body is not JSON
    target = "/v1/package/versions/dispose?domain=acme&repository=releases&format=npm&package=ui-kit"

    # WHEN sent raw
    status, _, body = _raw(emulator.url, "POST", target, body=b"{nope", headers={"Content-Type": "application/json"})

    # THEN it is a 400 with reason CANNOT_PARSE
    assert status == 400
    assert json.loads(body)["reason"] == "CANNOT_PARSE"


def test_http_unknown_route_returns_404_unknown_operation(emulator):
    # GIVEN a path no operation uses
    # WHEN called
    status, headers, body = _raw(emulator.url, "GET", "/v1/nothing-here")

    # THEN it is a 404 naming the route
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert "/v1/nothing-here" in json.loads(body)["message"]


def test_http_modelled_but_unimplemented_operation_raises_validation(client):
    # GIVEN an operation in the model the emulator does not implement
    # WHEN called through boto3
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.list_tags_for_resource(resourceArn="arn:aws:codeartifact:us-east-1:111122223333:domain/acme")

    # THEN the reason is UNKNOWN_OPERATION
    assert caught.value.response["reason"] == "UNKNOWN_OPERATION"


def test_http_keep_alive_serves_many_requests_on_one_connection(emulator):
    # GIVEN one HTTP/1.1 connection
    parts = urlsplit(emulator.url)
    connection = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=5)

    # WHEN three requests go over it, one with a chunked body
    statuses = []
    for _ in range(2):
        connection.request("GET", "/v1/domain?domain=acme")
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
    target = "/v1/package/versions/dispose?domain=acme&repository=releases&format=npm&namespace=acme&package=ui-kit"
    connection.request("POST", target, body=iter([b'{"versions"', b': ["1.0.0"]}']), encode_chunked=True)
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()

    # THEN all are answered, the chunked body parsed
    assert statuses == [200, 200]
    assert body["successfulVersions"]["1.0.0"]["status"] == "Disposed"
