/// One check `baton doctor` made: what it looked at, how it came out, and the fix.
public struct DoctorFinding: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case pass = "ok"
        case fail = "FAIL"
        case warn = "warn"
        case skipped = "skip"
    }

    /// A stable name, e.g. `audience`.
    public var check: String
    public var outcome: Outcome
    /// One sentence: what was found and, for a failure, the fix.
    public var explanation: String

    public init(_ check: String, _ outcome: Outcome, _ explanation: String) {
        self.check = check
        self.outcome = outcome
        self.explanation = explanation
    }
}
