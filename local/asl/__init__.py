"""A local Step Functions: an interpreter of Amazon States Language (JSONPath) running Lambda code in-process,
and a service speaking the Step Functions API over HTTP (see server.py)."""
