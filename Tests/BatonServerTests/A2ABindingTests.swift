import BatonA2A
import BatonCore
import Testing

@testable import BatonServer

@Suite("A2A answers")
struct A2ABindingTests {
    @Test(
        "a task answered from its stored JSON is byte for byte the answer built whole, in both bindings, for any id",
        arguments: [A2ABinding.jsonRPC, .httpJSON], [JSONValue.integer(7), .string("req-\"1\"")])
    func taskFromStoredJSON(binding: A2ABinding, id: JSONValue) {
        var task = A2ATask(
            id: UUIDv7.make(), contextId: UUIDv7.make(), status: A2ATaskStatus(state: .completed),
            history: [A2AMessage(messageId: "m-1", role: .user, parts: [.text("Show me 5 incidents\nassigned to me")])])
        task.artifacts = [A2AArtifact(artifactId: "a-1", name: "answer", parts: [.text("five"), .data(["incidents": [1, 2]])])]
        let whole: JSONValue = ["task": task.json]
        let expected = binding == .jsonRPC ? JSONRPCResponse.result(whole, id: id).serialized : whole.serialized
        #expect(binding.taskResult(task.json.serialized, id: id) == expected)
    }
}
