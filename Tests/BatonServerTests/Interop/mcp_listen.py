"""The Python MCP SDK (mcp 2.3.0) listening for tool-list changes at Baton's itsm agent.

Environment: URL (the agent's MCP endpoint), TOKEN (Jane's token for itsm). The agent has
an MCP connector whose server Baton has not listed yet: calling its tool makes Baton list
it, which changes the tools itsm offers, which Baton announces on the listen stream.
Prints one line per check that held; exits non-zero on the first that does not.
"""

import asyncio
import os
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

URL = os.environ["URL"]
TOKEN = os.environ["TOKEN"]
TOOL = "mcptools.whoami"


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


async def main():
    # httpx's 5 s default read timeout is shorter than a first tool call can take on a
    # loaded CI host (Baton lists the MCP server and exchanges a token for it first).
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as http:
        async with Client(streamable_http_client(URL, http_client=http), mode="auto") as client:
            before = {tool.name: tool.description for tool in (await client.list_tools()).tools}
            if TOOL not in before:
                fail(f"{TOOL} is not listed: {sorted(before)}")
            async with client.listen(tools_list_changed=True) as subscription:
                if not subscription.honored.tools_list_changed:
                    fail(f"toolsListChanged was not honored: {subscription.honored}")
                print("listen acknowledged ok")
                result = await client.call_tool(TOOL, {})
                if result.is_error:
                    fail(f"{TOOL} failed: {result.content}")
                events = subscription.__aiter__()
                event = await asyncio.wait_for(events.__anext__(), 15)
                print(f"list changed ok {type(event).__name__}")
            after = {tool.name: tool.description for tool in (await client.list_tools()).tools}
            if after.get(TOOL) == before.get(TOOL):
                fail(f"the description of {TOOL} did not change: {after.get(TOOL)!r}")
            print("relisted ok")


asyncio.run(main())
