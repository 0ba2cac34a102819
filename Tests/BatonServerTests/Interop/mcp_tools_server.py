"""An MCP server written with the Python mcp SDK 2.3.0 (MCPServer, once FastMCP): a
connector of kind `mcp` in the tests. It accepts only bearer tokens the dev IdP signed for
its own app (audience checked, as MCP requires), and its tools report what they saw.

Env: JWKS_URL (the IdP's key set), AUDIENCES (comma-separated: its app id and identifier
URI), SCOPE (the scope a token must carry, in full as Entra names it:
`api://mcp-tools/access_as_user`; its protected-resource metadata lists it, so a client can
learn the audience from it). Prints `READY http://127.0.0.1:<port>/mcp`.

Tools: `whoami` (the verified token's aud, oid, azp, scp, the protocol revision and the
`traceparent` of the request's `_meta`),
`fail` (always a tool error).
"""

import os
import socket
from typing import Any

import jwt
import uvicorn
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

AUDIENCES = [audience for audience in os.environ["AUDIENCES"].split(",") if audience]
SCOPE = os.environ["SCOPE"]
RESOURCE = SCOPE.rsplit("/", 1)[0]
KEYS = jwt.PyJWKClient(os.environ["JWKS_URL"])


class Verifier:
    """Signature by the IdP's published key, expiry, and an audience of this server's own."""

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            key = KEYS.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=AUDIENCES, options={"verify_iss": False})
        except Exception:
            return None
        # A v2 token's scp names scopes without their resource: the full names are this server's.
        scopes = [f"{RESOURCE}/{scope}" for scope in claims.get("scp", "").split()]
        return AccessToken(
            token=token, client_id=claims.get("azp") or claims.get("appid") or "", scopes=scopes, expires_at=claims.get("exp"),
            subject=claims.get("oid"), claims=claims)


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/mcp"
    server = MCPServer(
        "baton-test-tools", instructions="Test tools for Baton's mcp connector", version="0.1.0", token_verifier=Verifier(),
        auth=AuthSettings(issuer_url="https://login.example.com/dev", resource_server_url=url, required_scopes=[SCOPE],
                          validate_token_resource=False))

    @server.tool(title="Who am I")
    async def whoami(ctx: Context) -> dict[str, Any]:
        """What the verified token says: audience, user, calling app and scopes."""
        claims = getattr(get_access_token(), "claims", None) or {}
        meta = ctx.request_context.meta or {}
        return {"aud": claims.get("aud"), "oid": claims.get("oid"), "azp": claims.get("azp") or claims.get("appid"),
                "scp": claims.get("scp"), "version": ctx.protocol_version, "traceparent": meta.get("traceparent")}

    @server.tool()
    def fail() -> str:
        """Always fails."""
        raise ToolError("this tool always fails")

    app = server.streamable_http_app(host="127.0.0.1")
    print(f"READY {url}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listener])


if __name__ == "__main__":
    main()
