"""Downloads from the trail: CloudTrail's records, log files and digest files read without the AWS SDK.

`keys` tells a log file from a digest by its S3 key, `stream` reads a gzipped log file a record at a time in
bounded memory, `cloudtrail` turns one record into a download (or says why not), `digest` reads the files a
digest lists. The recorder (disposer.recorder) reads the objects and writes the ledger; nothing here does I/O.
"""
