import AsyncHTTPClient
import BatonCore
import Foundation
internal import NIOCore

/// Asks one C2SP tlog-witness to cosign the ledger's checkpoints (`POST
/// <url>/add-checkpoint`), proving each is consistent with the last one it cosigned.
///
/// The witness remembers the size it last cosigned for this log; the client starts from
/// what it was told (0 at first) and, on `409 Conflict`, learns the witness's size from
/// the answer and tries once more with a proof from there. Any other refusal — a bad
/// proof (422), a signature it does not accept (403), an unknown log (404) — is a
/// ``WitnessError``: the writer reports it as an alert, because a witness that refuses a
/// genuine log has seen another history.
public actor WitnessClient {
    public nonisolated let url: String
    public nonisolated let key: NoteVerifierKey
    private let client: HTTPClient
    private let timeout: Duration
    /// The size the witness holds for this log, as far as the client knows.
    private var witnessSize: Int64 = 0

    /// - Parameters:
    ///   - url: the witness's submission prefix; requests go to `<url>/add-checkpoint`.
    ///   - key: the witness's cosignature key (type 0x04), to check what it returns.
    public init(url: String, key: NoteVerifierKey, client: HTTPClient = .shared, timeout: Duration = .seconds(10)) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.key = key
        self.client = client
        self.timeout = timeout
    }

    /// The witness's cosignature lines for `note` (a checkpoint of `size` entries), checked
    /// against its key; `proofs` gives consistency proofs from the witness's size.
    public func cosign(note: String, size: Int64, proofs: some MerkleNodeSource) async throws(WitnessError) -> String {
        var conflicts = 0
        while true {
            guard witnessSize <= size else {
                throw .refused(
                    witness: key.name, status: 409, reason: "it holds \(witnessSize) entries of this log, more than the \(size) signed now")
            }
            let old = witnessSize
            let proof: [[UInt8]]
            do {
                proof = old > 0 && old < size ? try await MerkleProofs.consistency(from: old, to: size, in: proofs) : []
            } catch {
                throw .unreachable(witness: key.name, reason: "cannot build the consistency proof from \(old) entries: \(error)")
            }
            let (status, body) = try await submit(note: note, old: old, proof: proof)
            switch status {
            case 200:
                // Only its own lines, each checked: anything else in the answer is dropped.
                let lines = body.split(separator: "\n").map { String($0) + "\n" }.filter { line in
                    line.hasPrefix("— \(key.name) ") && (try? SignedNote.open(note + line, verifiers: [key])) != nil
                }
                guard !lines.isEmpty else {
                    throw .refused(witness: key.name, status: status, reason: "its answer holds no cosignature that verifies under its key")
                }
                witnessSize = size
                return lines.joined()
            case 409 where conflicts == 0:
                guard let held = Int64(body.trimmingCharacters(in: .whitespacesAndNewlines)), held >= 0 else {
                    throw .refused(witness: key.name, status: status, reason: "a conflict without the size it holds")
                }
                guard held <= size else {
                    throw .refused(
                        witness: key.name, status: status, reason: "it holds \(held) entries of this log, more than the \(size) signed now")
                }
                witnessSize = held
                conflicts += 1
            case 429, 500...599:
                throw .unreachable(witness: key.name, reason: "HTTP \(status): \(Self.summary(body))")
            default:
                throw .refused(witness: key.name, status: status, reason: Self.summary(body))
            }
        }
    }

    /// POSTs `old <N>`, the proof's hashes and a blank line, then the note.
    private func submit(note: String, old: Int64, proof: [[UInt8]]) async throws(WitnessError) -> (Int, String) {
        let body = "old \(old)\n" + proof.map { Data($0).base64EncodedString() + "\n" }.joined() + "\n" + note
        var request = HTTPClientRequest(url: url + "/add-checkpoint")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            let answer = try await response.body.collect(upTo: 64 * 1024)
            return (Int(response.status.code), String(buffer: answer))
        } catch {
            throw .unreachable(witness: key.name, reason: "\(error)")
        }
    }

    /// The first line of a refusal, shortened, for the log.
    private static func summary(_ body: String) -> String {
        let line = body.split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "no reason given" : String(line.prefix(200))
    }
}
