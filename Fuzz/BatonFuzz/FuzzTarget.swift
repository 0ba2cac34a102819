/// One parser under the fuzzer: it takes any bytes, must never crash or hang, and checks a
/// property of what it accepts (`fatalError` when it does not hold, so that libFuzzer
/// reports the input as a crash).
struct FuzzTarget: Sendable {
    let name: String
    /// What is fuzzed, for `--list`.
    let summary: String
    let run: @Sendable (UnsafeRawBufferPointer) -> Void

    static let all: [FuzzTarget] = [
        JWSFuzzing.target, JSONFuzzing.target, JSONRPCFuzzing.target, QueryFuzzing.target, YAMLFuzzing.target, LedgerRecordFuzzing.target,
        MultipartFuzzing.target,
    ]

    static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Fails the run: the fuzzer saves the input that led here.
func violated(_ property: String, _ details: @autoclosure () -> String = "") -> Never {
    fatalError("property violated: \(property) \(details())")
}
