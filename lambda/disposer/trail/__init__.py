"""The trail's bucket: CloudTrail's log and digest files read from S3 as they arrive."""
