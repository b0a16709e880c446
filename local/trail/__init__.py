"""A CloudTrail trail in (moto's) S3 for the usage recorder: records shaped as CloudTrail writes them, log and
digest files under CloudTrail's keys, and the S3 notices (through SQS) that announce them."""
