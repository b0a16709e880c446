"""Downloads through a deployment's API: `usage show` against a deployed stack, whose ledger only its functions
read and write. The request is signed with SigV4 (api_client.py) and its answer read as the route gives it."""

from disposer.api.usage_models import UsageRequest, UsageResponse
from disposer_cli.api_client import DeploymentApi


class UsageApi:
    """POST /usage at `url` (the stack's ApiUrl)."""

    def __init__(self, url: str) -> None:
        self.api = DeploymentApi(url)

    def show(self, request: UsageRequest) -> UsageResponse:
        body = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        return UsageResponse.model_validate(self.api.call("POST", "/usage", body))
