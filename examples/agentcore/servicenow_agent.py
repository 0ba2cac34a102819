"""
ServiceNow Agent with AgentCore Identity OBO — the seed article's agent, run by Baton.

Inbound: Baton verifies the user's Entra token (Token A) at the front door and hands the
         app a workload access token bound to that user (the WorkloadAccessToken header).
Outbound: ON_BEHALF_OF_TOKEN_EXCHANGE via IdentityClient (or @requires_access_token with
          TOKEN_STYLE=decorator) against Baton's AgentCore Identity data plane.

Nothing here knows about Baton: the same code runs on AWS Bedrock AgentCore Runtime. Under
Baton only environment variables differ:
  BEDROCK_AGENTCORE_DP_ENDPOINT     Baton's /agentcore (Baton sets it when it starts the app)
  AWS_ACCESS_KEY_ID / _SECRET_...   the workload's access key (Baton sets them too)
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME  `baton dev model` (offline) or real Bedrock
  SNOW_INSTANCE_URL                 the ServiceNow instance (or `baton dev servicenow`)
  PORT                              where to serve /invocations (Baton picks it)
"""
import contextvars
import json
import logging
import os

import httpx
from bedrock_agentcore.identity.auth import requires_access_token
from bedrock_agentcore.runtime import BedrockAgentCoreApp, BedrockAgentCoreContext
from bedrock_agentcore.services.identity import IdentityClient
from strands import Agent, tool
from strands.models import BedrockModel

app = BedrockAgentCoreApp()
log = logging.getLogger(__name__)

SNOW_INSTANCE_URL = os.environ.get("SNOW_INSTANCE_URL", "")
MODEL_ID = os.environ.get("MODEL_ID", "us.anthropic.claude-sonnet-4-20250514-v1:0")
AWS_REGION = os.environ.get("AWS_REGION", "us-east-1")
# The decorator's provider; the seed's own fetch_snow_token names "EntraIdServiceNow" itself.
PROVIDER_NAME = os.environ.get("PROVIDER_NAME", "EntraIdServiceNow")
SNOW_SCOPES = os.environ.get("SNOW_SCOPES", "api://servicenow/user_impersonation").split()
TOKEN_STYLE = os.environ.get("TOKEN_STYLE", "identity_client")

# Request-scoped token storage
snow_token_var: contextvars.ContextVar[str] = contextvars.ContextVar("snow_token", default="")

identity_client = IdentityClient(region=AWS_REGION)


async def fetch_snow_token() -> None:
    """
    Perform OBO exchange via AgentCore Identity.

    Gets the workload access token (which wraps the inbound JWT), then calls
    GetResourceOauth2Token with ON_BEHALF_OF_TOKEN_EXCHANGE.
    """
    workload_token = BedrockAgentCoreContext.get_workload_access_token()
    if not workload_token:
        raise RuntimeError("No workload access token. Is inbound JWT auth configured?")
    token_b = await identity_client.get_token(
        provider_name="EntraIdServiceNow",
        scopes=SNOW_SCOPES,
        agent_identity_token=workload_token,
        auth_flow="ON_BEHALF_OF_TOKEN_EXCHANGE",
    )
    snow_token_var.set(token_b)


@requires_access_token(
    provider_name=PROVIDER_NAME,
    scopes=SNOW_SCOPES,
    auth_flow="ON_BEHALF_OF_TOKEN_EXCHANGE",
)
async def fetch_snow_token_with_decorator(*, access_token: str) -> None:
    """The same exchange, now that the SDK's decorator accepts ON_BEHALF_OF_TOKEN_EXCHANGE."""
    snow_token_var.set(access_token)


# -- ServiceNow REST client --
def snow_request(method, endpoint, params=None, json_body=None):
    token = snow_token_var.get()
    if not token:
        return {"error": "No ServiceNow token available."}
    try:
        resp = httpx.request(
            method,
            f"{SNOW_INSTANCE_URL}/api/now/{endpoint}",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            params=params,
            json=json_body,
            timeout=30,
        )
        resp.raise_for_status()
        return resp.json()
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        if status == 401:
            return {"error": "Token expired. Please re-authenticate."}
        if status == 403:
            return {"error": "Access denied for this operation."}
        return {"error": f"ServiceNow error: {status}"}
    except Exception as exc:
        return {"error": str(exc)}


# -- Tools --
@tool
def query_incidents(
    query: str = "",
    limit: int = 10,
    fields: str = "number,short_description,priority,state,assigned_to",
) -> str:
    """Search for incidents in ServiceNow."""
    return json.dumps(
        snow_request(
            "GET",
            "table/incident",
            params={"sysparm_query": query, "sysparm_limit": limit, "sysparm_fields": fields},
        ),
        indent=2,
    )


@tool
def get_incident(number: str) -> str:
    """Get details of a specific incident by number."""
    return json.dumps(
        snow_request("GET", "table/incident", params={"sysparm_query": f"number={number}", "sysparm_limit": 1}),
        indent=2,
    )


@tool
def update_incident(sys_id: str, updates: dict) -> str:
    """Update an existing incident."""
    return json.dumps(snow_request("PATCH", f"table/incident/{sys_id}", json_body=updates), indent=2)


# -- Agent entrypoint --
@app.entrypoint
async def invoke(payload, context):
    try:
        if TOKEN_STYLE == "decorator":
            await fetch_snow_token_with_decorator()
        else:
            await fetch_snow_token()
    except Exception as exc:
        log.error(f"OBO exchange failed: {exc}")
        yield "Authentication error: could not obtain ServiceNow token."
        return

    agent = Agent(
        model=BedrockModel(model_id=MODEL_ID),
        tools=[query_incidents, get_incident, update_incident],
        system_prompt=(
            "You are a ServiceNow assistant. You help users query and manage "
            "their incidents. You only see records the user is authorized to "
            "access. Be concise."
        ),
        callback_handler=None,
    )
    stream = agent.stream_async(payload.get("prompt"))
    async for event in stream:
        if "data" in event and isinstance(event["data"], str):
            yield event["data"]


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", "8080")))
