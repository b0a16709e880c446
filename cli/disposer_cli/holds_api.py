"""Holds through a deployment's API: the CLI's `hold` commands against a deployed stack, whose ledger only the
functions may write. Each request is signed with SigV4 (service execute-api) from the environment's
credentials, as the API's IAM authorization expects, and its answer read as the routes give it."""

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from disposer.api.hold_models import HoldBody, HoldRequest

TIMEOUT_SECONDS = 30


class HoldsApiError(Exception):
    """The API refused or could not be reached; the message says which, with the API's own error code."""


class HoldsApi:
    """POST /holds, GET /holds (paged), DELETE /holds/{holdId}[/override] at `url` (the stack's ApiUrl)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        session = botocore.session.get_session()
        self._credentials = session.get_credentials()
        self._region = session.get_config_variable("region") or "us-east-1"

    def place(self, request: HoldRequest) -> HoldBody:
        answer = self._call("POST", "/holds", request.model_dump(mode="json", by_alias=True, exclude_none=True))
        return HoldBody.model_validate(answer["hold"])

    def page(
        self, *, limit: int, token: str | None, repository: str | None, package: str | None
    ) -> tuple[list[HoldBody], str | None]:
        query = {"limit": str(limit), "nextToken": token, "repository": repository, "package": package}
        answer = self._call("GET", "/holds", query={k: v for k, v in query.items() if v is not None})
        return [HoldBody.model_validate(hold) for hold in answer.get("holds", [])], answer.get("nextToken")

    def remove(self, hold_id: str, *, override: bool) -> HoldBody:
        path = f"/holds/{urllib.parse.quote(hold_id, safe='')}" + ("/override" if override else "")
        return HoldBody.model_validate(self._call("DELETE", path)["hold"])

    def _call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
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
            raise HoldsApiError(_refusal(error)) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise HoldsApiError(f"could not reach the API at {self.url}: {error}") from None


def _refusal(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read())["error"]
        return f"the API answered {error.code} {detail['code']}: {detail['message']}"
    except (ValueError, KeyError, TypeError):
        return f"the API answered {error.code} {error.reason}"
