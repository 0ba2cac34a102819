import AsyncHTTPClient
import BatonCore
import BatonIdentity
import Foundation
internal import NIOCore

/// A brain backed by any OpenAI-compatible `/chat/completions` endpoint with tool calling.
///
/// The model is offered the agent's tools and one `delegate_to_<id>` tool per allowed
/// delegate, and loops — one step per call — until it answers in text. It sees the
/// request and the results of earlier steps; it never sees a token.
public struct ChatCompletionsBrain: Brain {
    let settings: ChatCompletionsSettings
    let apiKey: Secret?
    let client: HTTPClient
    let timeout: Duration

    public init(settings: ChatCompletionsSettings, environment: [String: String], client: HTTPClient = .shared, timeout: Duration = .seconds(60)) {
        self.settings = settings
        self.apiKey = settings.apiKeyVariable.flatMap { environment[$0] }.map(Secret.init)
        self.client = client
        self.timeout = timeout
    }

    public func decide(_ situation: BrainSituation) async throws(AgentError) -> BrainDecision {
        let body: JSONObject = [
            "model": .string(settings.model), "messages": .array(messages(situation)), "tools": .array(tools(situation)),
        ].merging(settings.temperature.map { ["temperature": .number($0)] } ?? [:]) { $1 }
        let reply = try await post(body, agent: situation.agent)
        guard case .object(let message)? = reply.objectValue?["choices"]?.arrayValue?.first?.objectValue?["message"] else {
            throw .brainFailed(agent: situation.agent, reason: "the model's answer has no choices[0].message")
        }
        if case .object(let call)? = message["tool_calls"]?.arrayValue?.first, case .object(let function)? = call["function"] {
            let name = function["name"]?.stringValue ?? ""
            let arguments = Self.arguments(function["arguments"])
            if name.hasPrefix("delegate_to_") {
                let agent = String(name.dropFirst("delegate_to_".count))
                return .delegate(agent: agent, input: arguments["request"]?.stringValue ?? situation.input)
            }
            return .callTool(name: name.replacingOccurrences(of: "__", with: "."), arguments: arguments)
        }
        return .answer(text: message["content"]?.stringValue ?? "", data: situation.steps.last?.resultData)
    }

    // MARK: - Request

    private func messages(_ situation: BrainSituation) -> [JSONValue] {
        var messages: [JSONValue] = [
            ["role": "system", "content": .string("\(settings.systemPrompt)\nYou are the agent '\(situation.agent)': \(situation.description)")],
            ["role": "user", "content": .string(situation.input)],
        ]
        for (index, step) in situation.steps.enumerated() {
            let id = "call_\(index + 1)"
            let (name, arguments): (String, JSONObject) =
                switch step.decision {
                case .callTool(let name, let arguments): (name.replacingOccurrences(of: ".", with: "__"), arguments)
                case .delegate(let agent, let input): ("delegate_to_\(agent)", ["request": .string(input)])
                case .answer: ("answer", [:])
                }
            messages.append([
                "role": "assistant", "content": .null,
                "tool_calls": [
                    [
                        "id": .string(id), "type": "function",
                        "function": ["name": .string(name), "arguments": .string(Self.encode(.object(arguments)))],
                    ]
                ],
            ])
            var content = step.resultText
            if let data = step.resultData { content += "\n" + String(Self.encode(data).prefix(16_000)) }
            messages.append(["role": "tool", "tool_call_id": .string(id), "content": .string(content)])
        }
        return messages
    }

    private func tools(_ situation: BrainSituation) -> [JSONValue] {
        let own: [JSONValue] = situation.tools.map { tool in
            [
                "type": "function",
                "function": [
                    "name": .string(tool.name.replacingOccurrences(of: ".", with: "__")), "description": .string(tool.description),
                    "parameters": tool.parameters,
                ],
            ]
        }
        let delegates: [JSONValue] = situation.delegates.map { delegate in
            [
                "type": "function",
                "function": [
                    "name": .string("delegate_to_\(delegate.id)"),
                    "description": .string("Hand the request to \(delegate.id): \(delegate.description)"),
                    "parameters": [
                        "type": "object", "properties": ["request": ["type": "string", "description": "What to ask the delegate."]],
                        "required": ["request"],
                    ],
                ],
            ]
        }
        return own + delegates
    }

    private func post(_ body: JSONObject, agent: String) async throws(AgentError) -> JSONValue {
        let base = URLText.trimmingTrailingSlash(settings.baseURL)
        var request = HTTPClientRequest(url: "\(base)/chat/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey.revealed)") }
        request.body = .bytes(ByteBuffer(bytes: Array(Self.encode(.object(body)).utf8)))
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            let data = try await response.body.collect(upTo: 4 << 20)
            guard response.status.code == 200 else {
                throw AgentError.brainFailed(agent: agent, reason: "the model endpoint answered \(response.status.code)")
            }
            return try JSONDecoder().decode(JSONValue.self, from: Data(data.readableBytesView))
        } catch let error as AgentError {
            throw error
        } catch {
            throw .brainFailed(agent: agent, reason: "the model endpoint could not be used: \(error)")
        }
    }

    static func arguments(_ value: JSONValue?) -> JSONObject {
        switch value {
        case .object(let object)?: return object
        case .string(let text)?: return (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?.objectValue ?? [:]
        default: return [:]
        }
    }

    static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
