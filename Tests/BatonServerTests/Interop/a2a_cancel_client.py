"""The a2a-sdk client cancels a running chain through Baton's A2A server, run by A2AInteropTests.

Jane sends a message that reaches the a2a-sdk echo agent and keeps it waiting, with
`returnImmediately` (the SDK's polling mode); she subscribes to the task while it runs, cancels
it once the echo agent has started on it, and checks what the subscription, GetTask, a second
cancel and a late subscription say.

Env: BASE (the daemon), CLIENT_ID, JANE_PASSWORD, EVENTS_LOG (where the echo agent writes
`STARTED <task id>`). Prints one line per check that held; exits 1 with FAILED and the reason otherwise.
"""
import asyncio
import os
import sys
import time

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.types.a2a_pb2 import CancelTaskRequest, GetTaskRequest, SubscribeToTaskRequest, TaskState
from a2a.utils.errors import TaskNotCancelableError, UnsupportedOperationError
from google.protobuf.json_format import MessageToDict

from a2a_client import message, sign_in

BASE = os.environ["BASE"]


async def echo_agent_started(timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(os.environ["EVENTS_LOG"]) and "STARTED" in open(os.environ["EVENTS_LOG"]).read():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the echo agent never started on the message")


async def main():
    async with httpx.AsyncClient(timeout=30) as anonymous:
        card = await A2ACardResolver(anonymous, BASE).get_agent_card()
    jane = await sign_in("jane@contoso.com", card)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {jane}"}, timeout=60) as http:
        polling = ClientFactory(ClientConfig(httpx_client=http, streaming=False, polling=True)).create(card)
        streaming = ClientFactory(ClientConfig(httpx_client=http, streaming=True)).create(card)

        sent = [event async for event in polling.send_message(message("echo this incident note and wait"))]
        task = sent[-1].task
        assert TaskState.Name(task.status.state) == "TASK_STATE_WORKING", MessageToDict(task)
        print("return immediately ok", task.id)

        async def follow():
            return [event async for event in streaming.subscribe(SubscribeToTaskRequest(id=task.id))]

        subscription = asyncio.create_task(follow())
        await echo_agent_started()

        canceled = await polling.cancel_task(CancelTaskRequest(id=task.id))
        assert TaskState.Name(canceled.status.state) == "TASK_STATE_CANCELED", MessageToDict(canceled)
        print("cancel ok")

        events = await asyncio.wait_for(subscription, 20)
        kinds = [event.WhichOneof("payload") for event in events]
        assert kinds[0] == "task" and events[0].task.id == task.id, kinds
        assert kinds[-1] == "status_update" and TaskState.Name(events[-1].status_update.status.state) == "TASK_STATE_CANCELED", kinds
        print("subscribe ok", " ".join(kinds))

        fetched = await polling.get_task(GetTaskRequest(id=task.id))
        assert TaskState.Name(fetched.status.state) == "TASK_STATE_CANCELED", MessageToDict(fetched)
        print("get canceled ok")

        try:
            await polling.cancel_task(CancelTaskRequest(id=task.id))
            raise AssertionError("a canceled task was canceled again")
        except TaskNotCancelableError:
            print("cancel again ok")

        try:
            [event async for event in streaming.subscribe(SubscribeToTaskRequest(id=task.id))]
            raise AssertionError("a subscription to an ended task was accepted")
        except UnsupportedOperationError:
            print("subscribe ended ok")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as error:  # noqa: BLE001 — the test prints whatever went wrong
        print(f"FAILED {type(error).__name__}: {error!r}")
        sys.exit(1)
