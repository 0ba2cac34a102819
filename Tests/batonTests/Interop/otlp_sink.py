"""An OTLP/HTTP traces receiver for Baton's tracing tests.

Decodes each ExportTraceServiceRequest (protobuf, gzip or not) with OpenTelemetry's own
definitions (opentelemetry-proto) and appends one JSON line per span to the file named on
the command line. Prints the port it listens on, then serves until killed.

With --count instead of a file (the tracing benchmark), it only counts the spans, and
prints "spans N requests M" when it is stopped with SIGTERM.

A request body that holds "eyJ" (the start of a JWT) is recorded as a line of its own,
{"leak": true}, so the test can fail on a token in any span, attribute or resource.
"""

import gzip
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

OUTPUT = sys.argv[1]
COUNTING = OUTPUT == "--count"
counted = {"spans": 0, "requests": 0}
counting_lock = threading.Lock()
KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    if kind in ("array_value", "kvlist_value"):
        return MessageToDict(getattr(any_value, kind))
    if kind == "bytes_value":
        return any_value.bytes_value.hex()
    return getattr(any_value, kind)


def attributes(pairs):
    return {pair.key: value(pair.value) for pair in pairs}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding", "") == "gzip":
            body = gzip.decompress(body)
        if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
            self.send_response(404 if self.path != "/v1/traces" else 415)
            self.end_headers()
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        if COUNTING:
            spans = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
            with counting_lock:
                counted["spans"] += spans
                counted["requests"] += 1
            self.answer()
            return
        lines = []
        if b"eyJ" in body:
            lines.append({"leak": True})
        for resource_spans in request.resource_spans:
            resource = attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    lines.append({
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "kind": KINDS.get(span.kind, str(span.kind)),
                        "attributes": attributes(span.attributes),
                        "status": span.status.code,
                        "service": resource.get("service.name"),
                    })
        with open(OUTPUT, "a", encoding="utf-8") as file:
            for line in lines:
                file.write(json.dumps(line, sort_keys=True) + "\n")
        self.answer()

    def answer(self):
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def stop(*_):
    if COUNTING:
        print(f"spans {counted['spans']} requests {counted['requests']}", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
print(server.server_address[1], flush=True)
server.serve_forever()
