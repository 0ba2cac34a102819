"""The seed's three-agent chain written the straightforward Python way, for comparison
with Baton (BENCHMARKS.md): Starlette + PyJWT + httpx + a TTL cache, one process.

concierge -> triage -> itsm -> ServiceNow Table API. Each agent verifies the bearer token
(signature via the IdP's JWKS, issuer, audience, expiry), exchanges it On-Behalf-Of at the
IdP for the next audience (cached per assertion until shortly before expiry) and calls the
next hop over HTTP. No audit ledger, no vault encryption, no policy: the baseline.

Environment: IDP (base URL), TENANT, SERVICENOW (base URL); the app ids and secrets are the
dev tenant's (dev/tenant.yaml).
"""

import os
import time

import httpx
import jwt
from cachetools import TTLCache
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

IDP = os.environ["IDP"].rstrip("/")
TENANT = os.environ["TENANT"]
SERVICENOW = os.environ["SERVICENOW"].rstrip("/")
SELF = os.environ.get("SELF", "http://127.0.0.1:8090")
ISSUER = f"{IDP}/{TENANT}/v2.0"
TOKEN_URL = f"{IDP}/{TENANT}/oauth2/v2.0/token"

APPS = {
    "concierge": ("f29e5eaf-f81c-5262-932d-f17bda388270", "concierge-dev-secret"),
    "triage": ("440a4278-fe6a-53b5-9ffd-2581dea0f989", "triage-dev-secret"),
    "itsm": ("55a996d2-572c-5a53-8637-a7c583db3831", "itsm-dev-secret"),
}
NEXT = {"concierge": ("triage", "api://triage/access_as_user"), "triage": ("itsm", "api://itsm/access_as_user")}

jwks = jwt.PyJWKClient(f"{IDP}/{TENANT}/discovery/v2.0/keys", cache_keys=True, lifespan=3600)
client = httpx.AsyncClient(timeout=30)
exchanged = TTLCache(maxsize=10_000, ttl=3000)


def verify(request: Request, agent: str) -> tuple[str, dict]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise PermissionError("no token")
    token = header[7:].strip()
    key = jwks.get_signing_key_from_jwt(token)
    app_id = APPS[agent][0]
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=[app_id, f"api://{agent}"], issuer=ISSUER)
    return token, claims


async def on_behalf_of(agent: str, assertion: str, scope: str) -> str:
    cached = exchanged.get((agent, assertion, scope))
    if cached and cached[1] - time.time() > 60:
        return cached[0]
    client_id, secret = APPS[agent]
    response = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "client_id": client_id,
            "client_secret": secret,
            "assertion": assertion,
            "scope": scope,
            "requested_token_use": "on_behalf_of",
        },
    )
    response.raise_for_status()
    body = response.json()
    exchanged[(agent, assertion, scope)] = (body["access_token"], time.time() + int(body["expires_in"]))
    return body["access_token"]


def hop(agent: str):
    async def handle(request: Request):
        try:
            token, claims = verify(request, agent)
        except Exception as error:  # noqa: BLE001 - any refusal is a 401 here
            return JSONResponse({"error": str(error)}, status_code=401)
        if agent == "itsm":
            downstream = await on_behalf_of(agent, token, "api://servicenow/user_impersonation")
            response = await client.get(
                f"{SERVICENOW}/api/now/table/incident",
                params={"sysparm_query": "assigned_to=javascript:gs.getUserID()^active=true", "sysparm_limit": "5"},
                headers={"Authorization": f"Bearer {downstream}", "Accept": "application/json"},
            )
            incidents = response.json().get("result", [])
            return JSONResponse({"answer": f"{len(incidents)} incidents visible to you.", "user": claims["oid"]})
        callee, scope = NEXT[agent]
        next_token = await on_behalf_of(agent, token, scope)
        response = await client.post(
            f"{SELF}/{callee}", json=await request.json(), headers={"Authorization": f"Bearer {next_token}"}
        )
        return JSONResponse(response.json(), status_code=response.status_code)

    return handle


app = Starlette(routes=[Route(f"/{name}", hop(name), methods=["POST"]) for name in APPS])
