import BatonAgents
import Hummingbird

/// Why a protocol front door (A2A, MCP) refuses a request before its protocol begins: the
/// HTTP answer to send (401 with a challenge, 503 while the agents cannot run).
struct Refusal: Error {
    let response: Response

    /// The 503 while the agents cannot run yet (identity not configured, stores not open).
    static func notReady(_ reason: String) -> Refusal {
        Refusal(response: ErrorResponse(status: .serviceUnavailable, code: "not_ready", message: "the agents cannot run yet: \(reason)").response())
    }
}

extension AgentSystem {
    /// The runtime, or the refusal a front door answers while there is none.
    func readyRuntime() async -> Result<AgentRuntime, Refusal> {
        do {
            return .success(try await runtime())
        } catch {
            return .failure(.notReady("\(error)"))
        }
    }
}
