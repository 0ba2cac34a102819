"""MSAL Python against Baton's dev IdP: discovery, On-Behalf-Of, cache, errors.

Run by MSALInteropTests with BASE (the IdP's https URL), TENANT, and REQUESTS_CA_BUNDLE
pointing at the dev CA. Prints one line per check; exits non-zero on the first failure.
"""
import os
import sys

import msal
import requests

base, tenant = os.environ["BASE"], os.environ["TENANT"]
cli, concierge = "401849f6-73c6-5161-af53-cc29134b4038", "f29e5eaf-f81c-5262-932d-f17bda388270"

# Jane's Token A (MSAL's ROPC path needs user-realm discovery on port 443, so sign in directly).
signed_in = requests.post(f"{base}/{tenant}/oauth2/v2.0/token", data={
    "grant_type": "password", "client_id": cli, "username": "jane@contoso.com",
    "password": "jane-dev-password", "scope": "api://concierge/access_as_user"}).json()
token_a = signed_in["access_token"]

for label, options in [("authority", {"authority": f"{base}/{tenant}", "instance_discovery": False}),
                       ("oidc_authority", {"oidc_authority": f"{base}/{tenant}/v2.0"})]:
    app = msal.ConfidentialClientApplication(concierge, client_credential="concierge-dev-secret", **options)
    result = app.acquire_token_on_behalf_of(token_a, scopes=["api://triage/access_as_user"])
    if "access_token" not in result:
        sys.exit(f"{label}: OBO failed: {result}")
    print(f"{label}: obo ok")
    accounts = app.get_accounts()
    if [a["username"] for a in accounts] != ["jane@contoso.com"]:
        sys.exit(f"{label}: unexpected accounts {accounts}")
    silent = app.acquire_token_silent(["api://triage/access_as_user"], account=accounts[0])
    if not silent or "access_token" not in silent:
        sys.exit(f"{label}: silent failed: {silent}")
    print(f"{label}: cache ok")

refused = app.acquire_token_on_behalf_of(token_a, scopes=["api://itsm/access_as_user"])
if refused.get("error_codes") != [650057]:
    sys.exit(f"expected AADSTS650057, got {refused}")
print("error ok")
