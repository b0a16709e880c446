"""Every CodeArtifact error botocore raises becomes one of the service's own exceptions."""

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from disposer.codeartifact.wire import translated_errors
from disposer.errors import (
    AccessDeniedError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    UpstreamError,
    UpstreamValidationError,
)


def _client_error(code: str, **members: object) -> ClientError:
    # The shape botocore's RestJSONParser produces: modelled members sit beside "Error".
    response = {"Error": {"Code": code, "Message": f"{code} happened"}, "ResponseMetadata": {}, **members}
    return ClientError(response, "DisposePackageVersions")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AccessDeniedException", AccessDeniedError),
        ("ResourceNotFoundException", NotFoundError),
        ("ConflictException", ConflictError),
        ("ValidationException", UpstreamValidationError),
        ("InternalServerException", UpstreamError),
        ("ServiceQuotaExceededException", UpstreamError),
        ("SomethingNew", UpstreamError),
    ],
)
def test_translated_errors_client_error_maps_to_service_error(code, expected):
    # GIVEN a botocore ClientError with an AWS error code
    # WHEN it escapes a gateway call
    with pytest.raises(expected) as caught, translated_errors():
        raise _client_error(code)
    # THEN the service error keeps the AWS code and message
    assert caught.value.code == code
    assert caught.value.message == f"{code} happened"


def test_translated_errors_throttling_keeps_retry_after():
    with pytest.raises(ThrottledError) as caught, translated_errors():
        raise _client_error("ThrottlingException", retryAfterSeconds=7)
    assert caught.value.retry_after_seconds == 7


def test_translated_errors_connection_failure_is_upstream_error():
    with pytest.raises(UpstreamError) as caught, translated_errors():
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    assert caught.value.code == "UpstreamUnavailable"
