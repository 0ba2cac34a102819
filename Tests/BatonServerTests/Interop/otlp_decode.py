"""Decodes the OTLP ExportTraceServiceRequest in the file named on the command line with
OpenTelemetry's own generated definitions (opentelemetry-proto) and prints it as JSON:
ids in hex, every attribute as [the AnyValue member set, its value].

The protobuf parser rejects what is not a well-formed request, so a test of Baton's
hand-written encoder fails on any wire-format mistake, not only on a wrong value.
"""

import json
import sys

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [kind, [value(item) for item in any_value.array_value.values]]
    if kind == "bytes_value":
        return [kind, any_value.bytes_value.hex()]
    return [kind, getattr(any_value, kind) if kind else None]


def attributes(pairs):
    return {pair.key: value(pair.value) for pair in pairs}


with open(sys.argv[1], "rb") as file:
    request = ExportTraceServiceRequest()
    request.ParseFromString(file.read())

out = []
for resource_spans in request.resource_spans:
    for scope_spans in resource_spans.scope_spans:
        for span in scope_spans.spans:
            out.append({
                "resource": attributes(resource_spans.resource.attributes),
                "scope": scope_spans.scope.name,
                "trace_id": span.trace_id.hex(),
                "span_id": span.span_id.hex(),
                "parent_span_id": span.parent_span_id.hex(),
                "trace_state": span.trace_state,
                "name": span.name,
                "kind": span.kind,
                "start": span.start_time_unix_nano,
                "end": span.end_time_unix_nano,
                "flags": span.flags,
                "attributes": attributes(span.attributes),
                "events": [{"name": e.name, "time": e.time_unix_nano, "attributes": attributes(e.attributes)} for e in span.events],
                "links": [{"trace_id": l.trace_id.hex(), "span_id": l.span_id.hex(), "trace_state": l.trace_state,
                           "attributes": attributes(l.attributes)} for l in span.links],
                "status": {"code": span.status.code, "message": span.status.message},
            })
print(json.dumps(out))
