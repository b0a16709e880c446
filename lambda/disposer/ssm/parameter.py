"""The kill switch's SSM String parameter, read and written; errors become ParameterError with the reason."""

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient
else:
    SSMClient = Any


class ParameterError(Exception):
    """The parameter could not be read or written; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SwitchParameter:
    """One SSM String parameter (`name`)."""

    def __init__(self, name: str, client: SSMClient) -> None:
        self.name = name
        self._client = client

    def value(self) -> str | None:
        """The parameter's value; None if it does not exist."""
        try:
            return str(self._client.get_parameter(Name=self.name)["Parameter"]["Value"])
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "Unknown")
            if code == "ParameterNotFound":
                return None
            raise ParameterError(code) from error
        except BotoCoreError as error:
            raise ParameterError(str(error)) from error

    def set(self, value: str) -> None:
        try:
            self._client.put_parameter(Name=self.name, Value=value, Type="String", Overwrite=True)
        except (BotoCoreError, ClientError) as error:
            raise ParameterError(str(error)) from error
