"""The bedrock-agentcore SDK's IdentityClient (1.25.0, boto3 underneath) against Baton's
AgentCore Identity data plane, with only environment variables set:
BEDROCK_AGENTCORE_DP_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
Also: WORKLOAD, USER_TOKEN (Jane's token for the workload's agent), WRONG_AUDIENCE_TOKEN,
OTHER_WORKLOAD with OTHER_ACCESS_KEY / OTHER_SECRET_KEY, SERVICENOW_URL, SERVICENOW_APP,
JANE_OID. Prints one line per check that held; never prints a token.
"""

import asyncio
import base64
import json
import os
import sys
import time
import urllib.request

import boto3
from aws_errors import error_code
from bedrock_agentcore.services.identity import IdentityClient

REGION = os.environ["AWS_REGION"]
WORKLOAD = os.environ["WORKLOAD"]


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


client = IdentityClient(REGION)
token = client.get_workload_access_token(WORKLOAD, user_token=os.environ["USER_TOKEN"])["workloadAccessToken"]
if not token or os.environ["USER_TOKEN"] in token:
    fail("no workload access token, or the user's token itself")
print("for jwt ok")
plain = client.get_workload_access_token(WORKLOAD)["workloadAccessToken"]
if not plain or plain == token:
    fail("the workload's own token is missing or the same as the user's")
print("workload ok")


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# The seed's own call: Token B for ServiceNow, On-Behalf-Of the user behind the workload token.
snow = asyncio.run(client.get_token(
    provider_name="EntraIdServiceNow", scopes=["api://servicenow/user_impersonation"], agent_identity_token=token,
    auth_flow="ON_BEHALF_OF_TOKEN_EXCHANGE"))
seen = claims(snow)
if seen.get("aud") not in (os.environ["SERVICENOW_APP"], "api://servicenow") or seen.get("oid") != os.environ["JANE_OID"]:
    fail(f"token B is for {seen.get('aud')} and {seen.get('oid')}")
print("obo ok")
request = urllib.request.Request(
    os.environ["SERVICENOW_URL"] + "/api/now/table/incident?sysparm_query=active%3Dtrue%5Eassigned_to%3Djavascript%3Ags.getUserID()&sysparm_limit=5",
    headers={"Authorization": f"Bearer {snow}", "Accept": "application/json"})
with urllib.request.urlopen(request) as response:
    incidents = json.load(response)["result"]
if len(incidents) != 5:
    fail(f"ServiceNow returned {len(incidents)} incidents")
print("servicenow ok 5")

data_plane = boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"])
checks = {
    "wrong audience": (lambda: data_plane.get_workload_access_token_for_jwt(workloadName=WORKLOAD, userToken=os.environ["WRONG_AUDIENCE_TOKEN"]),
                       ("AccessDeniedException", 403)),
    "another workload": (lambda: data_plane.get_workload_access_token(workloadName=os.environ["OTHER_WORKLOAD"]), ("AccessDeniedException", 403)),
    "unknown workload": (lambda: data_plane.get_workload_access_token(workloadName="no-such-workload"), ("ResourceNotFoundException", 404)),
    "by user id": (lambda: data_plane.get_workload_access_token_for_user_id(workloadName=WORKLOAD, userId="jane"), ("AccessDeniedException", 403)),
    "provider": (lambda: data_plane.get_resource_oauth2_token(
        workloadIdentityToken=token, resourceCredentialProviderName="EntraIdSalesforce", scopes=["api://salesforce/api"],
        oauth2Flow="ON_BEHALF_OF_TOKEN_EXCHANGE"), ("AccessDeniedException", 403)),
}
other = boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"],
                     aws_access_key_id=os.environ["OTHER_ACCESS_KEY"], aws_secret_access_key=os.environ["OTHER_SECRET_KEY"])
checks["another workload's token"] = (lambda: other.get_resource_oauth2_token(
    workloadIdentityToken=token, resourceCredentialProviderName="EntraIdServiceNow", scopes=["api://servicenow/user_impersonation"],
    oauth2Flow="ON_BEHALF_OF_TOKEN_EXCHANGE"), ("AccessDeniedException", 403))
for name, (call, expected) in checks.items():
    got = error_code(call)
    if got != expected:
        fail(f"{name}: expected {expected}, got {got}")
    print(f"{name} refused ok")

# The other workload's own (app-only) credentials: its API key provider, and M2M for its resource.
crm_wat = other.get_workload_access_token(workloadName=os.environ["OTHER_WORKLOAD"])["workloadAccessToken"]
key = other.get_resource_api_key(workloadIdentityToken=crm_wat, resourceCredentialProviderName="CrmApiKey")["apiKey"]
if key != os.environ["OTHER_API_KEY"]:
    fail("GetResourceApiKey did not return the provider's key")
print("api key ok")
app_only = other.get_resource_oauth2_token(
    workloadIdentityToken=crm_wat, resourceCredentialProviderName="SalesforceApp", scopes=["api://salesforce/.default"],
    oauth2Flow="M2M")["accessToken"]
seen = claims(app_only)
# Entra's app-only shape: idtyp app, no scp, the oid is the app's (not Jane's).
if (seen.get("aud") != os.environ["SALESFORCE_APP"] or seen.get("idtyp") != "app" or "scp" in seen
        or seen.get("oid") == os.environ["JANE_OID"] or seen.get("azp") != os.environ["CRM_APP"]):
    fail(f"the M2M token is not the crm app's own for Salesforce: {sorted(seen)}")
print("m2m ok")
got = error_code(lambda: other.get_resource_oauth2_token(
    workloadIdentityToken=crm_wat, resourceCredentialProviderName="CrmApiKey", scopes=["api://salesforce/.default"], oauth2Flow="M2M"))
if got != ("ValidationException", 400):
    fail(f"an OAuth2 request to an API key provider: {got}")
got = error_code(lambda: other.get_resource_api_key(workloadIdentityToken=crm_wat, resourceCredentialProviderName="EntraIdServiceNow"))
if got != ("AccessDeniedException", 403):
    fail(f"another workload's provider's key: {got}")
print("provider kinds refused ok")

forged = boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"],
                      aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="not-the-secret-of-this-key")
got = error_code(lambda: forged.get_workload_access_token(workloadName=WORKLOAD))
if got != ("InvalidSignatureException", 403):
    fail(f"a wrong secret: {got}")
print("bad signature refused ok")
# The same forgery carrying Jane's current workload token: refused, and recorded as her denial.
jane_wat = client.get_workload_access_token(WORKLOAD, user_token=os.environ["USER_TOKEN"])["workloadAccessToken"]
got = error_code(lambda: forged.get_resource_oauth2_token(
    workloadIdentityToken=jane_wat, resourceCredentialProviderName="EntraIdServiceNow", scopes=["api://servicenow/user_impersonation"],
    oauth2Flow="ON_BEHALF_OF_TOKEN_EXCHANGE"))
if got != ("InvalidSignatureException", 403):
    fail(f"a wrong secret with Jane's workload token: {got}")
print("bad signature with a workload token refused ok")
elsewhere = boto3.client("bedrock-agentcore", region_name="eu-west-1", endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"])
got = error_code(lambda: elsewhere.get_workload_access_token(workloadName=WORKLOAD))
if got[1] != 400:
    fail(f"another region: {got}")
print("foreign region refused ok")

# A workload access token outlives its lifetime (the test daemon's is 3 s): refused.
late = client.get_workload_access_token(WORKLOAD, user_token=os.environ["USER_TOKEN"])["workloadAccessToken"]
time.sleep(3.5)
got = error_code(lambda: data_plane.get_resource_oauth2_token(
    workloadIdentityToken=late, resourceCredentialProviderName="EntraIdServiceNow", scopes=["api://servicenow/user_impersonation"],
    oauth2Flow="ON_BEHALF_OF_TOKEN_EXCHANGE"))
if got != ("UnauthorizedException", 401):
    fail(f"an expired workload token: {got}")
print("expired refused ok")
