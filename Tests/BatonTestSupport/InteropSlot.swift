/// One heavyweight Python client at a time (boto3 + Strands + the AgentCore SDK take seconds
/// of CPU and disk to start): on this 2-core machine several starting at once starve the
/// in-process servers other tests run concurrently — a dev IdP that answers a key fetch
/// after its 5-second timeout fails a test about something else.
public actor InteropSlot {
    public static let shared = InteropSlot()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` once no other holder of the slot runs.
    public static func exclusive<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
