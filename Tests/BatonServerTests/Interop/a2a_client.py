"""The a2a-sdk client against Baton's A2A server, run by A2AInteropTests.

Env: BASE (the daemon), CA_BUNDLE (the dev IdP's CA, for https), CLIENT_ID (the public client to sign
in with), per user NAME_PASSWORD for jane, harriet and mallory, and WRONG_AUDIENCE_TOKEN
(Jane's token for another agent). Prints one line per
check that held ("card ok", "send ok", ...); exits 1 with FAILED and the reason otherwise.
"""
import asyncio
import os
import sys
import uuid

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.types.a2a_pb2 import (
    CancelTaskRequest, GetTaskRequest, ListTasksRequest, Message, Part, Role, SendMessageRequest, TaskState)
from a2a.utils.errors import TaskNotCancelableError
from a2a.utils.errors import TaskNotFoundError
from google.protobuf.json_format import MessageToDict

BASE = os.environ["BASE"]
CA_BUNDLE = os.environ.get("CA_BUNDLE") or True
CLIENT_ID = os.environ["CLIENT_ID"]
ASK = "Show me 5 incidents assigned to me"


def message(text):
    return SendMessageRequest(message=Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)]))


async def sign_in(user, card):
    """Signs `user` in at the identity provider the card's security scheme names, for its scopes."""
    scheme = card.security_schemes["entra"].open_id_connect_security_scheme
    scopes = list(card.security_requirements[0].schemes["entra"].list)
    async with httpx.AsyncClient(verify=CA_BUNDLE, timeout=30) as idp:
        metadata = (await idp.get(scheme.open_id_connect_url)).raise_for_status().json()
        name = user.split("@")[0]
        answer = await idp.post(metadata["token_endpoint"], data={
            "grant_type": "password", "client_id": CLIENT_ID, "username": user,
            "password": os.environ[f"{name.upper()}_PASSWORD"], "scope": " ".join(scopes),
        })
        answer.raise_for_status()
        return answer.json()["access_token"]


def client_for(http, card, streaming, binding="JSONRPC"):
    return ClientFactory(ClientConfig(httpx_client=http, streaming=streaming, supported_protocol_bindings=[binding])).create(card)


async def last_event(client, text):
    events = [event async for event in client.send_message(message(text))]
    return events


async def main():
    async with httpx.AsyncClient(timeout=30) as anonymous:
        card = await A2ACardResolver(anonymous, BASE).get_agent_card()
    interface = card.supported_interfaces[0]
    assert interface.protocol_binding == "JSONRPC" and interface.protocol_version == "1.0", interface
    assert card.capabilities.streaming, "the card offers streaming"
    print("card ok", card.name, interface.url)

    jane = await sign_in("jane@contoso.com", card)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {jane}"}, timeout=60) as http:
        events = await last_event(client_for(http, card, streaming=False), ASK)
        task = events[-1].task
        assert TaskState.Name(task.status.state) == "TASK_STATE_COMPLETED", MessageToDict(task)
        data = [MessageToDict(part)["data"] for part in task.artifacts[0].parts if part.WhichOneof("content") == "data"]
        incidents = data[0]["incidents"]
        assert len(incidents) == 5, data
        print("send ok", TaskState.Name(task.status.state), len(incidents), "incidents")

        streamed = [event async for event in client_for(http, card, streaming=True).send_message(message(ASK))]
        kinds = [event.WhichOneof("payload") for event in streamed]
        assert kinds[0] == "task" and "status_update" in kinds and "artifact_update" in kinds, kinds
        final = streamed[-1].status_update.status.state
        assert TaskState.Name(final) == "TASK_STATE_COMPLETED", kinds
        print("stream ok", " ".join(kinds))

        fetched = await client_for(http, card, streaming=False).get_task(GetTaskRequest(id=task.id))
        assert fetched.id == task.id and TaskState.Name(fetched.status.state) == "TASK_STATE_COMPLETED"
        print("get ok", fetched.id)

        # The same over the HTTP+JSON binding the card names second.
        rest = client_for(http, card, streaming=False, binding="HTTP+JSON")
        task_rest = (await last_event(rest, ASK))[-1].task
        assert TaskState.Name(task_rest.status.state) == "TASK_STATE_COMPLETED", MessageToDict(task_rest)
        streamed_rest = [event async for event in client_for(http, card, streaming=True, binding="HTTP+JSON").send_message(message(ASK))]
        assert [event.WhichOneof("payload") for event in streamed_rest][0] == "task", streamed_rest
        assert TaskState.Name(streamed_rest[-1].status_update.status.state) == "TASK_STATE_COMPLETED", streamed_rest[-1]
        assert (await rest.get_task(GetTaskRequest(id=task_rest.id))).id == task_rest.id
        listed = await rest.list_tasks(ListTasksRequest(page_size=2))
        assert len(listed.tasks) == 2 and listed.next_page_token, MessageToDict(listed)
        try:
            await rest.cancel_task(CancelTaskRequest(id=task_rest.id))
            raise AssertionError("a completed task was canceled over HTTP+JSON")
        except TaskNotCancelableError:
            pass
        print("rest ok")

    harriet = await sign_in("harriet@contoso.com", card)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {harriet}"}, timeout=30) as http:
        try:
            await client_for(http, card, streaming=False).get_task(GetTaskRequest(id=task.id))
            raise AssertionError("Harriet could read Jane's task")
        except TaskNotFoundError:
            pass
        try:
            await client_for(http, card, streaming=False, binding="HTTP+JSON").get_task(GetTaskRequest(id=task.id))
            raise AssertionError("Harriet could read Jane's task over HTTP+JSON")
        except TaskNotFoundError:
            print("isolation ok")

    async with httpx.AsyncClient(timeout=30) as http:
        try:
            await last_event(client_for(http, card, streaming=False), ASK)
            raise AssertionError("a message without a token was accepted")
        except AssertionError:
            raise
        except Exception as error:  # the SDK reports any non-200 as a generic client error
            assert "401" in str(error), error
            print("no token ok")

    other = os.environ["WRONG_AUDIENCE_TOKEN"]  # Jane's, but for triage
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {other}"}, timeout=30) as http:
        try:
            await last_event(client_for(http, card, streaming=False), ASK)
            raise AssertionError("a token for another audience was accepted")
        except AssertionError:
            raise
        except Exception as error:
            assert "401" in str(error), error
            print("wrong audience ok")

    mallory = await sign_in("mallory@contoso.com", card)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {mallory}"}, timeout=60) as http:
        task = (await last_event(client_for(http, card, streaming=False), "Show me my incidents"))[-1].task
        assert TaskState.Name(task.status.state) == "TASK_STATE_AUTH_REQUIRED", MessageToDict(task)
        challenge = MessageToDict(task.status.message)["metadata"]["claims"]
        assert "access_token" in challenge, challenge
        print("auth required ok")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as error:  # noqa: BLE001 — the test prints whatever went wrong
        print(f"FAILED {type(error).__name__}: {error}")
        sys.exit(1)
