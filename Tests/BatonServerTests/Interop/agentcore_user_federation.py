"""AgentCore's USER_FEDERATION (three-legged OAuth with session binding) through the
bedrock-agentcore SDK's IdentityClient against Baton's data plane, the user's browser
played by httpx against the dev identity provider's sign-in page.

Environment: BEDROCK_AGENTCORE_DP_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, WORKLOAD, PROVIDER, SCOPE, USER_TOKEN (Jane's, for the workload's
agent), OTHER_USER_TOKEN (Harriet's, same audience), JANE_PASSWORD, HARRIET_PASSWORD,
RESOURCE_APP, JANE_OID. Prints one line per check that held; never prints a token.
"""

import asyncio
import base64
import html
import json
import os
import re
import threading
import urllib.parse

import boto3
from aws_errors import error_code
import httpx

import bedrock_agentcore.services.identity as identity
from bedrock_agentcore.services.identity import IdentityClient, UserTokenIdentifier

# The SDK polls every 5 s; the test's browser is quicker than a person.
identity.DEFAULT_POLLING_INTERVAL_SECONDS = 0.2

REGION = os.environ["AWS_REGION"]
WORKLOAD = os.environ["WORKLOAD"]
PROVIDER = os.environ["PROVIDER"]
SCOPES = [os.environ["SCOPE"]]


def fail(message):
    # From the browser's thread too: the whole script ends, the SDK's poll with it.
    print(f"FAILED: {message}", flush=True)
    os._exit(1)


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sign_in(authorization_url, username, password):
    """The browser: the IdP's sign-in page, its form posted, redirects followed to the end.
    Returns the last response (and the redirect that left Baton, when there was one)."""
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        page = browser.get(authorization_url)
        if page.status_code != 200 or "<form" not in page.text:
            fail(f"no sign-in page: {page.status_code}")
        form = re.search(r'<form[^>]*action="([^"]*)"', page.text)
        action = urllib.parse.urljoin(authorization_url, html.unescape(form.group(1)) if form else authorization_url)
        fields = {html.unescape(name): html.unescape(value)
                  for name, value in re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"', page.text)}
        fields.update({"username": username, "password": password})
        response = browser.post(action, data=fields)
        while response.status_code in (301, 302, 303, 307):
            location = response.headers["location"]
            if "session_id=" in location:
                return response, location
            response = browser.get(location)
        return response, None


client = IdentityClient(REGION)
data_plane = boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=os.environ["BEDROCK_AGENTCORE_DP_ENDPOINT"])
wat = client.get_workload_access_token(WORKLOAD, user_token=os.environ["USER_TOKEN"])["workloadAccessToken"]

# 1. Without a return URL: the user signs in at the IdP, Baton's callback releases the token.
seen_urls = []


def browse_as_jane(url):
    seen_urls.append(url)
    last, _ = sign_in(url, "jane@contoso.com", os.environ["JANE_PASSWORD"])
    if last.status_code != 200 or "signed in" not in last.text:
        fail(f"Baton's callback answered {last.status_code}")


token = asyncio.run(client.get_token(provider_name=PROVIDER, scopes=SCOPES, agent_identity_token=wat, auth_flow="USER_FEDERATION",
                                     on_auth_url=browse_as_jane))
seen = claims(token)
if seen.get("aud") != os.environ["RESOURCE_APP"] or seen.get("oid") != os.environ["JANE_OID"]:
    fail(f"the federated token is for {seen.get('aud')} and {seen.get('oid')}")
query = urllib.parse.parse_qs(urllib.parse.urlparse(seen_urls[0]).query)
if query.get("code_challenge_method") != ["S256"] or not query.get("code_challenge") or query.get("login_hint") != ["jane@contoso.com"]:
    fail(f"the authorization URL lacks PKCE or the login hint: {sorted(query)}")
print("federation ok")

# 2. Asked again: the grant is kept, no sign-in.
again = asyncio.run(client.get_token(provider_name=PROVIDER, scopes=SCOPES, agent_identity_token=wat, auth_flow="USER_FEDERATION",
                                     on_auth_url=lambda url: fail("asked to sign in again")))
if again != token:
    fail("the kept grant was not returned")
print("grant kept ok")

# 3. With a return URL: the app binds the session to its user with CompleteResourceTokenAuth.
def browse_and_complete(url):
    def run():
        _, redirect = sign_in(url, "jane@contoso.com", os.environ["JANE_PASSWORD"])
        if not redirect or not redirect.startswith("http://127.0.0.1:9/done"):
            fail(f"no redirect to the return URL: {redirect}")
        session = urllib.parse.parse_qs(urllib.parse.urlparse(redirect).query)["session_id"][0]
        client.complete_resource_token_auth(session, UserTokenIdentifier(user_token=os.environ["USER_TOKEN"]))
    threading.Thread(target=run, daemon=True).start()


bound = asyncio.run(client.get_token(provider_name=PROVIDER, scopes=SCOPES, agent_identity_token=wat, auth_flow="USER_FEDERATION",
                                     callback_url="http://127.0.0.1:9/done", force_authentication=True,
                                     on_auth_url=browse_and_complete))
if claims(bound).get("oid") != os.environ["JANE_OID"]:
    fail("the bound session's token is not Jane's")
print("federation with return url ok")


# A return URL the workload did not register never receives the user's browser.
got = error_code(lambda: data_plane.get_resource_oauth2_token(
    workloadIdentityToken=wat, resourceCredentialProviderName=PROVIDER, scopes=SCOPES, oauth2Flow="USER_FEDERATION",
    resourceOauth2ReturnUrl="https://evil.example/done", forceAuthentication=True))
if got != ("ValidationException", 400):
    fail(f"an unregistered return URL: {got}")
print("unregistered return url refused ok")

# 4. Binding the session with another user's token: refused, the session fails.
started = data_plane.get_resource_oauth2_token(workloadIdentityToken=wat, resourceCredentialProviderName=PROVIDER, scopes=SCOPES,
                                               oauth2Flow="USER_FEDERATION", resourceOauth2ReturnUrl="http://127.0.0.1:9/done",
                                               forceAuthentication=True)
_, redirect = sign_in(started["authorizationUrl"], "jane@contoso.com", os.environ["JANE_PASSWORD"])
session = urllib.parse.parse_qs(urllib.parse.urlparse(redirect).query)["session_id"][0]
got = error_code(lambda: data_plane.complete_resource_token_auth(sessionUri=session, userIdentifier={"userToken": os.environ["OTHER_USER_TOKEN"]}))
if got != ("AccessDeniedException", 403):
    fail(f"binding Jane's session to Harriet: {got}")
status = data_plane.get_resource_oauth2_token(workloadIdentityToken=wat, resourceCredentialProviderName=PROVIDER, scopes=SCOPES,
                                              oauth2Flow="USER_FEDERATION", sessionUri=session)
if "accessToken" in status or status.get("sessionStatus") != "FAILED":
    fail(f"the session after a wrong binding: {sorted(status)}")
print("binding another user refused ok")

# 5. Someone else signs in at the IdP for Jane's session: nothing is granted.
started = data_plane.get_resource_oauth2_token(workloadIdentityToken=wat, resourceCredentialProviderName=PROVIDER, scopes=SCOPES,
                                               oauth2Flow="USER_FEDERATION", forceAuthentication=True)
last, _ = sign_in(started["authorizationUrl"], "harriet@contoso.com", os.environ["HARRIET_PASSWORD"])
if last.status_code != 403:
    fail(f"Harriet signing in for Jane's session: {last.status_code}")
status = data_plane.get_resource_oauth2_token(workloadIdentityToken=wat, resourceCredentialProviderName=PROVIDER, scopes=SCOPES,
                                              oauth2Flow="USER_FEDERATION", sessionUri=started["sessionUri"])
if "accessToken" in status or status.get("sessionStatus") != "FAILED":
    fail(f"the session after another user signed in: {sorted(status)}")
print("another user at the idp refused ok")
