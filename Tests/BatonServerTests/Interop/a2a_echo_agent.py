"""An A2A agent outside Baton, written with the a2a-sdk 1.3.0 server: a delegate in A2AInteropTests.

It verifies the bearer token it is sent exactly as a resource server must — RS256 signature
under the identity provider's published keys, expiry, and an audience that is its own app —
and answers with what it found: the user's object id, the audience, and the trace context.

It declares Baton's delegation-chain extension and, when a message carries it, verifies
the assertion under the sending daemon's published key (EdDSA), its expiry, its audience,
and that it was made for the very token that came with it (`ath`).

A message with the word "wait" keeps its task working until it is canceled. The agent writes
what happens to such tasks to EVENTS_LOG, one line each: `STARTED <task id>` once it works on
it, `CANCELED <task id> <oid>` when a caller whose token verifies cancels it.

Env: JWKS_URL (the IdP's key set), AUDIENCES (comma-separated: its app id and identifier
URI), BATON_KEYS_URL (the key set of the Baton daemon it trusts to assert chains),
EVENTS_LOG (optional: where the lines above go), STREAMING ("0": the card offers no streaming),
PORT (optional: the port to listen on). Under /liar it serves a card that lies: the JSON-RPC
interface it names answers 404.

A middle hop: with FORWARD_TO (an A2A JSON-RPC URL, e.g. Baton's /a2a/itsm), a message with the
word "forward" is passed on — the agent exchanges the token it received on behalf of the user
at TOKEN_URL (CLIENT_ID, CLIENT_SECRET, FORWARD_SCOPE), sends the text there with the new
token and the same traceparent, and answers with what came back.
Prints `READY http://127.0.0.1:<port>` once listening; the card is at /.well-known/agent-card.json.
"""
import asyncio
import base64
import json
import os
import re
import socket
import time
import urllib.request
import uuid

import httpx
import uvicorn
from a2a.helpers.proto_helpers import new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities, AgentCard, AgentExtension, AgentInterface, AgentSkill, Part, Task, TaskState, TaskStatus)

CHAIN_EXTENSION = "https://baton.dev/a2a/extensions/delegation-chain/v1"
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Value
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


KEY_SETS = {}


def key_set(url):
    """The keys published at `url` by kid, fetched once (a resource server caches its issuer's keys)."""
    if url not in KEY_SETS:
        with urllib.request.urlopen(url) as answer:
            KEY_SETS[url] = {key["kid"]: key for key in json.load(answer)["keys"]}
    return KEY_SETS[url]


def verified_claims(token):
    """The token's claims if its signature, expiry and audience hold; raises ValueError otherwise."""
    header, payload, signature = token.split(".")
    kid = json.loads(b64url(header)).get("kid")
    keys = key_set(os.environ["JWKS_URL"])
    if kid not in keys:
        raise ValueError(f"unknown kid {kid}")
    key = keys[kid]
    public = rsa.RSAPublicNumbers(int.from_bytes(b64url(key["e"]), "big"), int.from_bytes(b64url(key["n"]), "big")).public_key()
    public.verify(b64url(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    claims = json.loads(b64url(payload))
    if claims["exp"] < time.time():
        raise ValueError("expired")
    if claims["aud"] not in os.environ["AUDIENCES"].split(","):
        raise ValueError(f"audience {claims['aud']} is not this agent's")
    return claims


def verified_chain(jws, token):
    """The delegation chain a Baton daemon asserted, if its signature, time, audience and token binding hold."""
    header, payload, signature = jws.split(".")
    protected = json.loads(b64url(header))
    if protected.get("alg") != "EdDSA" or protected.get("typ") != "baton-chain+jwt":
        raise ValueError(f"unexpected header {protected}")
    keys = key_set(os.environ["BATON_KEYS_URL"])
    key = keys.get(protected.get("kid"))
    if key is None or key.get("crv") != "Ed25519":
        raise ValueError("the assertion is signed with a key this agent does not trust")
    ed25519.Ed25519PublicKey.from_public_bytes(b64url(key["x"])).verify(b64url(signature), f"{header}.{payload}".encode())
    claims = json.loads(b64url(payload))
    if claims["exp"] < time.time():
        raise ValueError("the assertion expired")
    if claims["aud"] not in os.environ["AUDIENCES"].split(","):
        raise ValueError(f"the assertion is for {claims['aud']}")
    digest = hashes.Hash(hashes.SHA256())
    digest.update(token.encode())
    if base64.urlsafe_b64encode(digest.finalize()).rstrip(b"=").decode() != claims["ath"]:
        raise ValueError("the assertion was made for another token")
    return claims


def dict_value(data):
    value = Value()
    if isinstance(data, dict):
        value.struct_value.update(data)
    else:
        value.list_value.extend(data)
    return value


def log(line):
    if os.environ.get("EVENTS_LOG"):
        with open(os.environ["EVENTS_LOG"], "a") as events:
            events.write(line + "\n")


def bearer(context):
    authorization = context.call_context.state.get("headers", {}).get("authorization", "")
    return authorization[7:] if authorization.lower().startswith("bearer ") else ""


CLIENT = httpx.AsyncClient(timeout=60)  # one connection pool for every forwarded request


async def forwarded(text, token, traceparent):
    """The artifact parts the agent at FORWARD_TO answers `text` with, asked with a token exchanged on behalf of the user."""
    exchange = await CLIENT.post(os.environ["TOKEN_URL"], data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use": "on_behalf_of",
        "client_id": os.environ["CLIENT_ID"], "client_secret": os.environ["CLIENT_SECRET"], "assertion": token,
        "scope": os.environ["FORWARD_SCOPE"]})
    exchange.raise_for_status()
    headers = {"Authorization": f"Bearer {exchange.json()['access_token']}", "A2A-Version": "1.0"}
    if traceparent:
        headers["traceparent"] = traceparent
    answer = await CLIENT.post(os.environ["FORWARD_TO"], headers=headers, json={
        "jsonrpc": "2.0", "id": 1, "method": "SendMessage",
        "params": {"message": {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}}})
    answer.raise_for_status()
    task = answer.json()["result"]["task"]
    if task["status"]["state"] != "TASK_STATE_COMPLETED":
        raise ValueError(f"the next agent ended {task['status']['state']}")
    return task["artifacts"][0]["parts"]


class EchoAgent(AgentExecutor):
    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        headers = context.call_context.state.get("headers", {})
        if context.current_task is None:
            await event_queue.enqueue_event(Task(
                id=context.task_id, context_id=context.context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED),
                history=[context.message]))
        updater = TaskUpdater(event_queue, context.task_id, context.context_id)
        await updater.start_work()
        token = bearer(context)
        try:
            claims = verified_claims(token)
            chain = None
            if CHAIN_EXTENSION in context.requested_extensions:
                chain = verified_chain(context.message.metadata[CHAIN_EXTENSION]["jws"], token)
        except Exception as error:  # noqa: BLE001 — any failure refuses the request
            await updater.failed(updater.new_agent_message([new_text_part(f"refused: {error}")]))
            return
        seen = Value()
        seen.struct_value.update({
            "oid": claims["oid"], "aud": claims["aud"], "tid": claims["tid"], "verified": True,
            "traceparent": headers.get("traceparent", ""), "a2aVersion": headers.get("a2a-version", ""),
            "chainVerified": chain is not None, "chainId": chain["chain_id"] if chain else "",
            "actorPath": list(chain["actor_path"]) if chain else [], "hop": chain["hop"] if chain else -1,
        })
        text = context.get_user_input()
        if os.environ.get("FORWARD_TO") and re.search(r"\bforward\b", text, re.IGNORECASE):
            try:
                parts = await forwarded(text, token, headers.get("traceparent", ""))
            except Exception as error:  # noqa: BLE001 — the next hop's failure fails this task
                await updater.failed(updater.new_agent_message([new_text_part(f"forwarding failed: {error}")]))
                return
            answer = [new_text_part(part["text"]) if "text" in part else Part(data=dict_value(part["data"])) for part in parts]
            await updater.add_artifact(answer, name="forwarded")
            await updater.complete()
            return
        if "wait" in text.split():
            log(f"STARTED {context.task_id}")
            await asyncio.sleep(60)
        await updater.add_artifact([new_text_part(f"echo for {claims['oid']}: {text}"), Part(data=seen)], name="echo")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        claims = verified_claims(bearer(context))
        log(f"CANCELED {context.task_id} {claims['oid']}")
        await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted connections inherit TCP_NODELAY: without it a stream's first event waits for
    # the client's delayed ACK of the headers (40 ms on Linux) on a reused connection.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", int(os.environ.get("PORT", "0"))))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    card = AgentCard(
        name="a2a-echo", description="Echoes what it is sent, after verifying the caller's token (a2a-sdk fixture)", version="1.0.0",
        supported_interfaces=[AgentInterface(url=f"{base}/a2a", protocol_binding="JSONRPC", protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=os.environ.get("STREAMING") != "0", extensions=[
            AgentExtension(uri=CHAIN_EXTENSION, description="verifies the Baton delegation chain it is sent")]), default_input_modes=["text/plain"], default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="Echo", description="Echo the input", tags=["test"])])
    handler = DefaultRequestHandler(agent_executor=EchoAgent(), task_store=InMemoryTaskStore(), agent_card=card)
    # A card that lies: its JSON-RPC interface is a URL where no agent answers.
    liar = MessageToDict(card)
    liar["supportedInterfaces"] = [{"url": f"{base}/nowhere", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}]
    lying = Route("/liar/.well-known/agent-card.json", lambda request: JSONResponse(liar))
    app = Starlette(routes=create_agent_card_routes(card) + create_jsonrpc_routes(handler, rpc_url="/a2a") + [lying])
    print(f"READY {base}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listener])


if __name__ == "__main__":
    main()
