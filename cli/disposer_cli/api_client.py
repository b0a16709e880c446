"""A deployment's API as the CLI calls it: each request signed with SigV4 (service execute-api) from the
environment's credentials, as the API's IAM authorization expects, and its answer read as JSON. A refusal
keeps the API's status and error code, so each command can say what it means."""

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

TIMEOUT_SECONDS = 30


class ApiError(Exception):
    """The API refused (`status` and its error `code`) or could not be reached (`status` 0); the message says which."""

    def __init__(self, message: str, *, status: int = 0, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class DeploymentApi:
    """The API at `url` (the stack's ApiUrl)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        session = botocore.session.get_session()
        self._credentials = session.get_credentials()
        self._region = session.get_config_variable("region") or "us-east-1"

    def call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        """The JSON answer of one signed request; ApiError if it is refused or nothing answers."""
        url = self.url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = None if body is None else json.dumps(body).encode()
        request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
        if self._credentials is not None:
            SigV4Auth(self._credentials.get_frozen_credentials(), "execute-api", self._region).add_auth(request)
        sent = urllib.request.Request(url, data=data, headers=dict(request.headers.items()), method=method)
        try:
            with urllib.request.urlopen(sent, timeout=TIMEOUT_SECONDS) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise _refusal(error) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise ApiError(f"could not reach the API at {self.url}: {error}") from None


def quoted(segment: str) -> str:
    """`segment` as one path segment (a slash in it stays in it)."""
    return urllib.parse.quote(segment, safe="")


def _refusal(error: urllib.error.HTTPError) -> ApiError:
    try:
        detail = json.loads(error.read())["error"]
        message = f"the API answered {error.code} {detail['code']}: {detail['message']}"
        return ApiError(message, status=error.code, code=str(detail["code"]))
    except (ValueError, KeyError, TypeError):
        return ApiError(f"the API answered {error.code} {error.reason}", status=error.code)
