"""What the interop scripts check of a refused boto3 call: the AWS error's name and status."""

from botocore.exceptions import ClientError


def error_code(call):
    """The error code and HTTP status boto3 read from the answer, or (None, 200) when the call succeeded."""
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200
