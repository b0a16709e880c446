"""The run workflow's runs through a deployment's API: GET /runs, GET /runs/{runId}, and the answers to a run
waiting for an approval, each signed with SigV4 (api_client.py) and read as the routes give it."""

from disposer.api.run_models import DecisionResponse, RunResponse, RunsResponse, RunSummaryBody
from disposer_cli.api_client import DeploymentApi, quoted

# The CLI reads runs in pages of the API's largest.
PAGE = 100


class RunsApi:
    """The /runs routes at `url` (the stack's ApiUrl)."""

    def __init__(self, url: str) -> None:
        self.api = DeploymentApi(url)

    def newest(self, *, count: int, status: str | None) -> tuple[list[RunSummaryBody], bool]:
        """The `count` newest runs (of `status`, when given), following pages; and whether there are more."""
        found: list[RunSummaryBody] = []
        token: str | None = None
        while len(found) < count:
            query = {"limit": str(min(PAGE, count - len(found))), "status": status, "nextToken": token}
            page = RunsResponse.model_validate(
                self.api.call("GET", "/runs", query={k: v for k, v in query.items() if v is not None})
            )
            found += page.runs
            token = page.next_token
            if token is None:
                return found, False
        return found, True

    def show(self, run_id: str) -> RunResponse:
        return RunResponse.model_validate(self.api.call("GET", f"/runs/{quoted(run_id)}"))

    def approve(self, run_id: str, plan_digest: str) -> DecisionResponse:
        answer = self.api.call("POST", f"/runs/{quoted(run_id)}/approve", {"planDigest": plan_digest})
        return DecisionResponse.model_validate(answer)

    def reject(self, run_id: str, reason: str | None) -> DecisionResponse:
        body = {} if reason is None else {"reason": reason}
        return DecisionResponse.model_validate(self.api.call("POST", f"/runs/{quoted(run_id)}/reject", body))
