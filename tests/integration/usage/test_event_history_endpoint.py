"""The local LookupEvents endpoint as botocore's CloudTrail client sees it: the management events of its region,
newest first, paged by tokens it issued, requests checked against botocore's model with the errors AWS names,
and the faults a backfill's tests ask for."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from local.trail.history import TrailHistory
from local.trail.records import TrailRead, other_service_record, read_record
from local.trail.server import TARGET_PREFIX, RunningHistory, max_in_window

HOUR = datetime(2026, 11, 20, 10, tzinfo=UTC)


def records() -> list[dict[str, Any]]:
    """Downloads every minute of the hour, one on each bound, others' events, another region's and a data event."""
    made = [
        read_record(TrailRead("npm", "lodash", f"4.17.{minute}", HOUR + timedelta(minutes=minute)))
        for minute in range(60)
    ]
    made.append(read_record(TrailRead("npm", "lodash", "5.0.0", HOUR + timedelta(hours=1))))  # on EndTime
    made.append(read_record(TrailRead("npm", "lodash", "5.0.1", HOUR + timedelta(hours=1, seconds=1))))  # after
    made += [other_service_record(HOUR + timedelta(minutes=30), index) for index in range(4)]
    elsewhere = read_record(TrailRead("npm", "lodash", "6.0.0", HOUR + timedelta(minutes=5)))
    data_event = read_record(TrailRead("npm", "lodash", "6.0.1", HOUR + timedelta(minutes=5)))
    return [*made, {**elsewhere, "awsRegion": "eu-west-1"}, {**data_event, "managementEvent": False}]


@pytest.fixture
def served() -> Iterator[RunningHistory]:
    with RunningHistory(TrailHistory(records())) as running:
        yield running


def client(url: str, **config: Any) -> Any:
    return boto3.client("cloudtrail", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}, **config))


def lookup(url: str, **request: Any) -> dict[str, Any]:
    params = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "ReadFromRepository"}]}
    answer: dict[str, Any] = client(url, parameter_validation=False).lookup_events(**{**params, **request})
    return answer


def versions(answer: dict[str, Any]) -> list[str]:
    return [json.loads(event["CloudTrailEvent"])["requestParameters"]["packageVersion"] for event in answer["Events"]]


def test_history_pages_an_hours_events_newest_first_both_bounds_included(served: RunningHistory):
    # WHEN the hour's downloads are read 50 at a time, following the tokens
    first = lookup(served.url, StartTime=HOUR, EndTime=HOUR + timedelta(hours=1), MaxResults=50)
    second = lookup(
        served.url, StartTime=HOUR, EndTime=HOUR + timedelta(hours=1), MaxResults=50, NextToken=first["NextToken"]
    )
    # THEN they come newest first, the event on EndTime included, and each once; another region's, a data event,
    # another service's and the one after EndTime are not there
    assert versions(first) == ["5.0.0", *(f"4.17.{minute}" for minute in range(59, 10, -1))]
    assert versions(second) == [f"4.17.{minute}" for minute in range(10, -1, -1)] and "NextToken" not in second
    event = first["Events"][1]
    assert (event["EventName"], event["EventSource"], event["ReadOnly"]) == (
        "ReadFromRepository",
        "codeartifact.amazonaws.com",
        "true",
    )
    assert event["EventTime"] == HOUR + timedelta(minutes=59)


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ({"MaxResults": 0}, "InvalidMaxResultsException"),
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        (
            {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "x"}] * 2},
            "InvalidLookupAttributesException",
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "Region", "AttributeValue": "us-east-1"}]},
            "InvalidLookupAttributesException",
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": ""}]},
            "InvalidLookupAttributesException",
        ),
        ({"StartTime": HOUR + timedelta(hours=1), "EndTime": HOUR}, "InvalidTimeRangeException"),
        ({"NextToken": "not-one-it-issued"}, "InvalidNextTokenException"),
        ({"MaxResults": "fifty"}, "SerializationException"),
    ],
    ids=["max-0", "max-51", "two-attributes", "unknown-key", "empty-value", "start-after-end", "foreign-token", "type"],
)
def test_history_refuses_what_the_service_refuses(served: RunningHistory, request_: dict[str, Any], code: str):
    with pytest.raises(ClientError) as refused:
        lookup(served.url, **request_)
    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_history_takes_a_token_only_with_the_parameters_it_was_issued_for(served: RunningHistory):
    first = lookup(served.url, StartTime=HOUR, EndTime=HOUR + timedelta(hours=1), MaxResults=10)
    with pytest.raises(ClientError) as refused:
        lookup(
            served.url, StartTime=HOUR, EndTime=HOUR + timedelta(hours=2), MaxResults=10, NextToken=first["NextToken"]
        )
    assert refused.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_history_serves_only_lookup_events(served: RunningHistory):
    answer = requests.post(
        served.url,
        data=b"{}",
        headers={"X-Amz-Target": f"{TARGET_PREFIX}DescribeTrails", "Content-Type": "application/x-amz-json-1.1"},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["__type"].endswith("#UnknownOperationException")


def test_history_throttles_above_its_rate_and_fails_the_pages_asked(served: RunningHistory):
    # GIVEN a rate of 2 a second, and the second page of the hour failing once
    served.app.throttle_above(2)
    served.app.fail_page(HOUR, 2, times=1)
    window = {"StartTime": HOUR, "EndTime": HOUR + timedelta(hours=1), "MaxResults": 50}
    # WHEN three requests come at once / THEN the third is throttled
    answers: list[Any] = []
    for _ in range(3):
        try:
            answers.append(lookup(served.url, **window))
        except ClientError as error:
            answers.append(error.response)
    assert [answer.get("Error", {}).get("Code") for answer in answers] == [None, None, "ThrottlingException"]
    assert max_in_window(served.app.arrivals()) == 3
    # AND a second later, the second page fails once, then answers
    served.app.throttle_above(None)
    token = answers[0]["NextToken"]
    with pytest.raises(ClientError) as failed:
        lookup(served.url, **window, NextToken=token)
    assert failed.value.response["Error"]["Code"] == "InternalFailure"
    assert versions(lookup(served.url, **window, NextToken=token))[-1] == "4.17.0"
    assert [(received.page, received.outcome) for received in served.app.requests][-2:] == [
        (2, "InternalFailure"),
        (2, "OK"),
    ]
