import BatonA2A
import BatonCore

/// The JSON-RPC decoders of the A2A and MCP bindings: every request body an outside client sends.
enum JSONRPCFuzzing {
    static let target = FuzzTarget(name: "jsonrpc", summary: "JSON-RPC request decoding for A2A (JSONRPCRequest) and MCP (JSONRPCMessage)") { bytes in
        if case .success(let request) = JSONRPCRequest.parse(bytes) {
            guard !request.method.isEmpty else { violated("an A2A request without a method was accepted") }
        }
        if case .success(let message) = JSONRPCMessage.parse(bytes) {
            guard !message.method.isEmpty else { violated("an MCP message without a method was accepted") }
        }
    }
}
