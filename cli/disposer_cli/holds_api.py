"""Holds through a deployment's API: the CLI's `hold` commands against a deployed stack, whose ledger only the
functions may write. Each request is signed with SigV4 (api_client.py) and its answer read as the routes
give it."""

from disposer.api.hold_models import HoldBody, HoldRequest
from disposer_cli.api_client import ApiError, DeploymentApi, quoted

# A refusal of the holds routes, as the hold commands report it.
HoldsApiError = ApiError


class HoldsApi:
    """POST /holds, GET /holds (paged), DELETE /holds/{holdId}[/override] at `url` (the stack's ApiUrl)."""

    def __init__(self, url: str) -> None:
        self.api = DeploymentApi(url)
        self.url = self.api.url

    def place(self, request: HoldRequest) -> HoldBody:
        answer = self.api.call("POST", "/holds", request.model_dump(mode="json", by_alias=True, exclude_none=True))
        return HoldBody.model_validate(answer["hold"])

    def page(
        self, *, limit: int, token: str | None, repository: str | None, package: str | None
    ) -> tuple[list[HoldBody], str | None]:
        query = {"limit": str(limit), "nextToken": token, "repository": repository, "package": package}
        answer = self.api.call("GET", "/holds", query={k: v for k, v in query.items() if v is not None})
        return [HoldBody.model_validate(hold) for hold in answer.get("holds", [])], answer.get("nextToken")

    def remove(self, hold_id: str, *, override: bool) -> HoldBody:
        path = f"/holds/{quoted(hold_id)}" + ("/override" if override else "")
        return HoldBody.model_validate(self.api.call("DELETE", path)["hold"])
