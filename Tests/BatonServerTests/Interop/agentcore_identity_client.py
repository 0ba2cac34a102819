"""The bedrock-agentcore SDK's IdentityClient (1.25.0, boto3 underneath) against Baton's
AgentCore Identity data plane, with only environment variables set:
BEDROCK_AGENTCORE_DP_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
Also: WORKLOAD, USER_TOKEN (Jane's token for the workload's agent), WRONG_AUDIENCE_TOKEN,
OTHER_WORKLOAD. Prints one line per check that held; never prints a token.
"""

import os
import sys

import boto3
from botocore.exceptions import ClientError
from bedrock_agentcore.services.identity import IdentityClient

REGION = os.environ["AWS_REGION"]
WORKLOAD = os.environ["WORKLOAD"]


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


client = IdentityClient(REGION)
token = client.get_workload_access_token(WORKLOAD, user_token=os.environ["USER_TOKEN"])["workloadAccessToken"]
if not token or os.environ["USER_TOKEN"] in token:
    fail("no workload access token, or the user's token itself")
print("for jwt ok")
plain = client.get_workload_access_token(WORKLOAD)["workloadAccessToken"]
if not plain or plain == token:
    fail("the workload's own token is missing or the same as the user's")
print("workload ok")

data_plane = boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"])
checks = {
    "wrong audience": (lambda: data_plane.get_workload_access_token_for_jwt(workloadName=WORKLOAD, userToken=os.environ["WRONG_AUDIENCE_TOKEN"]),
                       ("AccessDeniedException", 403)),
    "another workload": (lambda: data_plane.get_workload_access_token(workloadName=os.environ["OTHER_WORKLOAD"]), ("AccessDeniedException", 403)),
    "unknown workload": (lambda: data_plane.get_workload_access_token(workloadName="no-such-workload"), ("ResourceNotFoundException", 404)),
    "by user id": (lambda: data_plane.get_workload_access_token_for_user_id(workloadName=WORKLOAD, userId="jane"), ("AccessDeniedException", 403)),
}
for name, (call, expected) in checks.items():
    got = error_code(call)
    if got != expected:
        fail(f"{name}: expected {expected}, got {got}")
    print(f"{name} refused ok")

forged = boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"],
                      aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="not-the-secret-of-this-key")
got = error_code(lambda: forged.get_workload_access_token(workloadName=WORKLOAD))
if got != ("InvalidSignatureException", 403):
    fail(f"a wrong secret: {got}")
print("bad signature refused ok")
elsewhere = boto3.client("bedrock-agentcore", region_name="eu-west-1", endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"])
got = error_code(lambda: elsewhere.get_workload_access_token(workloadName=WORKLOAD))
if got[1] != 400:
    fail(f"another region: {got}")
print("foreign region refused ok")
