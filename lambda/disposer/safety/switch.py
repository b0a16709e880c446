"""The kill switch: one SSM parameter that stops every write of the deployment, mid-run included.

The parameter's value `enabled` allows writes; any other value, a missing parameter or one that cannot
be read stops them (when in doubt, keep). A read is trusted for `cache_seconds` (5 by default), so
every write checks it and a flip stops writes within that time plus one call in flight, without a
redeploy. Reads and plans never depend on it. The functions check it before each write; the CLI
turns it on and off.
"""

import threading
import time
from collections.abc import Callable

from disposer.errors import DisposalsDisabledError
from disposer.settings import SWITCH_ENABLED
from disposer.ssm.parameter import ParameterError, SwitchParameter

SWITCH_DISABLED = "disabled"


class DisposalSwitch:
    """The deployment's switch, its parameter read at most once per `cache_seconds`."""

    def __init__(
        self, parameter: SwitchParameter, *, cache_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.parameter = parameter
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._why_off: str | None = None

    @property
    def name(self) -> str:
        return self.parameter.name

    def _read(self) -> str | None:
        """None if writes are allowed; otherwise why not."""
        try:
            value = self.parameter.value()
        except ParameterError as error:
            return f"the kill switch parameter {self.name} could not be read ({error.reason})"
        if value is None:
            return f"the kill switch parameter {self.name} does not exist"
        if value == SWITCH_ENABLED:
            return None
        return f"the kill switch parameter {self.name} is {value!r} (writes need {SWITCH_ENABLED!r})"

    def why_off(self) -> str | None:
        """None while writes are allowed; otherwise the reason, read at most `cache_seconds` ago."""
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._cache_seconds:
                self._why_off, self._read_at = self._read(), now
            return self._why_off

    def check(self) -> None:
        """Raise DisposalsDisabledError unless writes are allowed."""
        reason = self.why_off()
        if reason is not None:
            raise DisposalsDisabledError(f"disposals are disabled: {reason}")

    def turn(self, *, on: bool) -> None:
        """Allow (on) or stop (off) every write of the deployment; ParameterError if it cannot be set."""
        self.parameter.set(SWITCH_ENABLED if on else SWITCH_DISABLED)
        with self._lock:
            self._read_at = None
