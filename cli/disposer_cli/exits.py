"""The CLI's exit codes, and the one that tells the truth about a run."""

import sys

from disposer.model.report import RunReportBody
from disposer.runs.report import RunReport

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_CAP, EXIT_AWS, EXIT_DECLINED = 0, 1, 2, 3, 4, 5
EXIT_INCOMPLETE, EXIT_UNREACHABLE, EXIT_NOT_WAITING = 6, 7, 8
EXIT_CODES = f"""exit codes (when several apply, the first listed here after 0 wins):
  {EXIT_OK}  done: everything the policy names was read, and every version acted on as planned
  {EXIT_BAD_INPUT}  bad input or environment: a file, an option, the region or credentials (the message says which);
     runs: a run id no run has, or a deployment without the run workflow
  {EXIT_DECLINED}  the confirmation was not given: nothing disposed
  {EXIT_CAP}  a guard stopped the run, nothing disposed: maxDisposalsPerRun, maxDisposalsPercent, a plan changed
     since its digest was reviewed (runs approve: another digest than the plan's, and the run is aborted), or the
     kill switch off
  {EXIT_NOT_WAITING}  runs approve or reject: the run does not wait for an approval (not yet, or no longer);
     nothing sent
  {EXIT_UNREACHABLE}  CodeArtifact (runs: the deployment's API) could not be reached (connection refused, DNS,
     timeout): the plan is incomplete
  {EXIT_AWS}  AWS refused a whole call (access denied, throttled after retries; runs: the API refused)
  {EXIT_INCOMPLETE}  something the policy names could not be read or does not exist (a repository, a package, a
     literal name): the plan covers only the rest
  {EXIT_FAILURES}  some versions could not be disposed (each is named)
"""
# CodeArtifactError codes that mean nothing answered (codeartifact/wire.py: a botocore connection error).
UNREACHABLE_CODES = frozenset({"UpstreamUnavailable"})
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException"})


def fail(message: str, code: int) -> int:
    """One line on stderr naming the cause; `code` to exit with."""
    print(f"error: {message}", file=sys.stderr)
    return code


def exit_code(report: RunReport, body: RunReportBody) -> int:
    """The run's exit code (see EXIT_CODES), with one line on stderr naming the cause when it is not 0."""
    if report.cap_exceeded or report.percent_exceeded:
        return EXIT_CAP
    errors = body.errors
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more, listed above)" if len(errors) > 1 else ""
        cause = f"{first.scope}: {first.error_code}: {first.error_message}{more}"
        if any(error.error_code in UNREACHABLE_CODES for error in errors):
            return fail(f"could not reach CodeArtifact, the plan is incomplete: {cause}", EXIT_UNREACHABLE)
        missing = "does not exist" if first.error_code in NOT_FOUND_CODES else "could not be read"
        return fail(f"the plan is incomplete: {first.scope} {missing}: {cause}", EXIT_INCOMPLETE)
    if report.failed:
        failed = sum(1 for outcome in report.outcomes.values() if not outcome.succeeded)
        return fail(f"{failed} versions could not be disposed (each is named above)", EXIT_FAILURES)
    return EXIT_OK
