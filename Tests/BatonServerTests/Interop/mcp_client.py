"""The Python MCP SDK (mcp 2.3.0) against Baton's itsm agent at /mcp/itsm.

Environment: URL (the agent's MCP endpoint), TOKEN (Jane's token for the itsm app, from the
MCP client app), WRONG_AUDIENCE_TOKEN (Jane's token for another agent). Prints one line per
check that held ("... ok"); exits non-zero on the first that does not. Never prints a token.
"""

import asyncio
import os
import re
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp import MCPError

URL = os.environ["URL"]
TOKEN = os.environ["TOKEN"]
WRONG = os.environ["WRONG_AUDIENCE_TOKEN"]
TOOL = "servicenow.query_incidents"


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


async def challenge_and_metadata():
    """No token: 401 whose resource_metadata serves metadata naming this very URL."""
    async with httpx2.AsyncClient(timeout=30) as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        response = await http.post(URL, json=body, headers={"Accept": "application/json, text/event-stream"})
        if response.status_code != 401:
            fail(f"no token answered {response.status_code}")
        challenge = response.headers.get("www-authenticate", "")
        found = re.search(r'resource_metadata="([^"]+)"', challenge)
        if not challenge.startswith("Bearer") or not found:
            fail(f"the 401 has no resource_metadata: {challenge!r}")
        metadata = (await http.get(found.group(1))).json()
        if metadata.get("resource") != URL:
            fail(f"metadata resource {metadata.get('resource')!r} is not {URL!r}")
        if not metadata.get("authorization_servers") or not metadata.get("scopes_supported"):
            fail(f"metadata names no authorization server or scopes: {metadata}")
        print("no token ok 401 resource_metadata")
        wrong = await http.post(URL, json=body, headers={"Authorization": f"Bearer {WRONG}", "Accept": "application/json, text/event-stream"})
        header = wrong.headers.get("www-authenticate", "")
        if wrong.status_code != 401 or 'error="invalid_token"' not in header or "resource_metadata=" not in header:
            fail(f"a token for another audience answered {wrong.status_code} {header!r}")
        print("wrong audience ok 401")


async def session(mode):
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as http:
        async with Client(streamable_http_client(URL, http_client=http), mode=mode) as client:
            version = client.protocol_version
            listed = await client.list_tools()
            names = [tool.name for tool in listed.tools]
            if TOOL not in names:
                fail(f"{mode}: {TOOL} is not listed: {names}")
            schema = next(tool for tool in listed.tools if tool.name == TOOL).input_schema
            if schema.get("type") != "object" or "limit" not in schema.get("properties", {}):
                fail(f"{mode}: the tool's input schema is {schema}")
            result = await client.call_tool(TOOL, {"limit": 5})
            if result.is_error:
                fail(f"{mode}: the call failed: {result.content}")
            incidents = (result.structured_content or {}).get("incidents", [])
            if len(incidents) != 5:
                fail(f"{mode}: {len(incidents)} incidents in {result.structured_content}")
            print(f"{mode} ok {version} {len(incidents)} incidents")

            asked = await client.call_tool("ask", {"request": "Show me 5 incidents assigned to me"})
            answer = asked.structured_content or {}
            if asked.is_error or answer.get("agents") != ["itsm"] or len((answer.get("data") or {}).get("incidents", [])) != 5:
                fail(f"{mode}: asking the agent gave {answer}")
            print(f"{mode} ask ok")

            refused = await client.call_tool(TOOL, {"limit": 5000})
            text = " ".join(getattr(block, "text", "") for block in refused.content)
            if not refused.is_error or "arguments.limit" not in text:
                fail(f"{mode}: an out-of-range limit was not a tool error naming it: {text!r}")
            print(f"{mode} bad arguments ok")
            try:
                await client.call_tool("servicenow.no_such_tool", {})
                fail(f"{mode}: an unknown tool was called")
            except MCPError as error:
                if error.error.code != -32602:
                    fail(f"{mode}: an unknown tool answered {error.error.code}")
            print(f"{mode} unknown tool ok")


async def main():
    await challenge_and_metadata()
    await session("auto")
    await session("legacy")


asyncio.run(main())
