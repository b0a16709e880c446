"""moto in server mode, with DynamoDB's Query costing what it costs in DynamoDB: `python -m bench.moto_server`
takes moto.server's arguments.

moto answers a Query of a table's partition by sorting every item of the table and keeping the partition's
(moto 5.x, `Table.query` through `Table.all_items`), so each Query costs O(n log n) in the table's size.
A run at scale remembers publish times for tens of thousands of packages in the ledger and reads one
partition per package: moto's CPU, not the function, would be what the benchmark measures. Here a Query
on the table's own key reads its partition only, in the same sorted order; every other call is moto's.
The server keeps connections alive and writes no access log (below): the same answers, sooner.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from moto.dynamodb.models.table import Table
from moto.server import main
from werkzeug.serving import WSGIRequestHandler

_query = threading.local()
_all_items = Table.all_items
_table_query = Table.query


def _items(self: Table) -> Any:
    """The queried partition's items while a Query on the table's key runs in this thread, else every item."""
    hash_key = getattr(_query, "hash_key", None)
    if hash_key is None:
        return _all_items(self)
    partition = self.items.get(hash_key)
    if partition is None:
        return []
    if not self.range_key_attr:
        return [partition]
    return sorted(partition.values(), key=lambda item: item.range_key)


def _partition_query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    # Only a Query of the table itself (no index: moto passes index_name seventh) reads one partition.
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    _query.hash_key = hash_key if index_name is None else None
    try:
        return _table_query(self, hash_key, *args, **kwargs)
    finally:
        _query.hash_key = None


Table.all_items = _items  # type: ignore[method-assign]
Table.query = _partition_query  # type: ignore[method-assign]
# Connections kept alive (botocore reuses them) rather than a thread started per request, and no access log
# line per request: a fifth of moto's time under a run's load, spent on a log that goes to /dev/null.
WSGIRequestHandler.protocol_version = "HTTP/1.1"
WSGIRequestHandler.log_request = lambda *_, **__: None  # type: ignore[method-assign]
_setup = WSGIRequestHandler.setup


def _no_delay(self: WSGIRequestHandler) -> None:
    # Headers and body are written apart: without TCP_NODELAY a kept-alive connection waits on delayed ACKs.
    _setup(self)
    self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


WSGIRequestHandler.setup = _no_delay  # type: ignore[method-assign,assignment]

if __name__ == "__main__":
    main()
