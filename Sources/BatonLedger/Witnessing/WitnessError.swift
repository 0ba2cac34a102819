import BatonCore

/// Why a witness did not cosign a checkpoint. A refusal of a genuine checkpoint means the
/// witness holds another history of this log: an alert, never silence.
public enum WitnessError: BatonError, Equatable {
    /// The witness answered with a refusal (409 it could not resolve, 422 bad proof, 403, 404…).
    case refused(witness: String, status: Int, reason: String)
    /// The witness could not be reached or asked.
    case unreachable(witness: String, reason: String)

    /// The witness's name.
    public var witness: String {
        switch self {
        case .refused(let witness, _, _), .unreachable(let witness, _): witness
        }
    }

    public var code: String {
        switch self {
        case .refused: "witness_refused"
        case .unreachable: "witness_unreachable"
        }
    }

    public var description: String {
        switch self {
        case .refused(let witness, let status, let reason): "the witness \(witness) refused the checkpoint (HTTP \(status)): \(reason)"
        case .unreachable(let witness, let reason): "the witness \(witness) could not be asked to cosign: \(reason)"
        }
    }
}
