"""Fan-out of large runs: work messages, the SQS queue and the DynamoDB run table."""
