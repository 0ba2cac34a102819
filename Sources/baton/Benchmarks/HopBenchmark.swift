import BatonAgents
import BatonCore
import BatonIdentity
import Foundation

/// One warm delegation hop as the runtime takes it, without HTTP or brains
/// (``WarmHopProbe``): the policy, the broker's cached token for the callee (vault hot
/// tier), the callee's verification of it (verified-token cache hit; issuer, audience,
/// time and user still checked) and the hop's entries queued for the next barrier.
struct HopBenchmark {
    let running: DevStack.Running
    let token: String
    let calls: Int

    func run() async throws -> [String] {
        guard let runtime = await running.daemon.agentRuntime() else { throw CommandFailure(message: "the agent runtime is not running") }
        let probe = try await WarmHopProbe(runtime: runtime, from: "concierge", to: "triage", token: Secret(token))
        try await probe.hop()  // the one exchange at the IdP; every later hop is warm
        let sequential = try await LatencySample.measure(count: calls) { try await probe.hop() }
        let concurrent = try await withThrowingTaskGroup(of: LatencySample.self) { group in
            for _ in 0..<16 { group.addTask { try await LatencySample.measure(count: calls / 16) { try await probe.hop() } } }
            return try await group.reduce(into: LatencySample()) { $0.merge($1) }
        }
        let fsync = try FsyncProbe.measure(in: running.dataDirectory, count: 200)
        return [
            "warm delegation hop, 1 at a time:   \(sequential.summary)",
            "warm delegation hop, 16 concurrent: \(concurrent.summary)",
            "  fsync of a 4 KiB write on this disk (the floor of one barrier): \(fsync.summary)",
        ]
    }
}

extension LatencySample {
    mutating func merge(_ other: LatencySample) {
        self = LatencySample(merging: nanoseconds + other.nanoseconds)
    }
}

/// How long this disk takes to make a small write durable.
enum FsyncProbe {
    static func measure(in directory: String, count: Int) throws -> LatencySample {
        let path = (directory as NSString).appendingPathComponent("fsync-probe")
        defer { unlink(path) }
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
        guard descriptor >= 0 else { throw CommandFailure(message: "cannot create \(path)") }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 7, count: 4096)
        var values: [Int64] = []
        for _ in 0..<count {
            let started = ContinuousClock.now
            _ = block.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 4096, 0) }
            fsync(descriptor)
            values.append((ContinuousClock.now - started).microseconds * 1000)
        }
        return LatencySample(merging: values)
    }
}
