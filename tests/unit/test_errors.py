"""Every exception says its own code, HTTP status and transience, so the edges map none by hand."""

from http import HTTPStatus

import disposer.errors as errors_module
from disposer.errors import DisposerError


def _subclasses(base: type[DisposerError]) -> list[type[DisposerError]]:
    found: list[type[DisposerError]] = []
    for cls in base.__subclasses__():
        found += [cls, *_subclasses(cls)]
    return found


def test_every_error_states_its_own_code_and_status():
    # GIVEN every exception the service raises on purpose
    classes = _subclasses(DisposerError)
    # THEN each lives in the disposer.errors package, is exported by it, and states its code and HTTP status
    # itself (none inherits them)
    assert classes
    for cls in classes:
        assert cls.__module__.startswith(f"{errors_module.__name__}."), cls
        assert getattr(errors_module, cls.__name__) is cls, f"{cls.__name__} is not exported by disposer.errors"
        assert "code" in vars(cls) and "status" in vars(cls), f"{cls.__name__} inherits its code or status"
        assert isinstance(cls.status, HTTPStatus)
    # AND no two share a code
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))


def test_no_error_answers_500():
    # Never a 500 for anything a caller sent: only the base (never raised as such) has that status.
    assert [cls.__name__ for cls in _subclasses(DisposerError) if cls.status == HTTPStatus.INTERNAL_SERVER_ERROR] == []


def test_transient_errors_are_the_ones_a_retry_can_fix():
    transient = {cls.__name__ for cls in _subclasses(DisposerError) if cls.transient}
    assert transient == {
        "DeadlineExceededError",
        "ThrottledError",
        "UpstreamError",
        "RetryLaterError",
        "LedgerError",
        "PlanIncompleteError",
        "ReportsError",
        "WorkflowError",
        "TrailUnavailableError",
        "EventHistoryUnavailableError",
        "EventHistoryUnreachableError",
    }
