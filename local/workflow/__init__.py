"""The run workflow, locally: the state machine `cdk synth` produces, executed by the local Step Functions
(local/asl) with the steps function's code in this process, against the emulator and moto.

`python -m local.workflow --policies FILE --policy NAME [--as-of ISO] [--shard-packages N]
[--approve | --reject]` runs one scheduled run of a policy of FILE and prints its report as one JSON line.
"""
