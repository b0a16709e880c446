"""The ledger's one translation of AWS SDK failures: what botocore raises becomes LedgerError, so that callers
decide on the project's own error (retry later, keep what cannot be read) and never see the SDK's."""

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from disposer.errors import LedgerError


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise LedgerError(f"the ledger table failed: {error}") from error
