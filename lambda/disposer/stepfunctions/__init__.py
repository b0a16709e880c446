"""The run workflow's state machine (Step Functions): start, read and list runs, answer a waiting approval."""
