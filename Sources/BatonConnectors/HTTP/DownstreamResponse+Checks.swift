import BatonCore
import BatonIdentity
import Foundation

extension DownstreamResponse {
    /// The JSON body of a successful answer, or the failure as a ``ConnectorError`` with the
    /// downstream's own message (ServiceNow's, Graph's and Salesforce's error shapes).
    public func successBody(connector: String, expectBody: Bool = true) throws(ConnectorError) -> JSONValue {
        guard (200..<300).contains(status) else { throw failure(connector: connector) }
        guard expectBody else { return json ?? .null }
        if status == 202, body.isEmpty {
            throw .unavailable(connector: connector, reason: "202 with no body: the session's transactions are queued; try again")
        }
        guard let json else {
            let type = header("Content-Type") ?? "no content type"
            let hint = type.contains("html") ? " (an HTML page: the instance may be hibernating or behind a login page)" : ""
            throw .unavailable(connector: connector, reason: "the answer is not JSON (\(type))\(hint)")
        }
        return json
    }

    /// The ``ConnectorError`` for a non-2xx answer.
    public func failure(connector: String) -> ConnectorError {
        let message = errorMessage
        switch status {
        case 401:
            if let challenge = claimsChallenge { return .claimsChallenge(connector: connector, claims: challenge) }
            return .notAuthenticated(connector: connector, message: message)
        case 403: return .notPermitted(connector: connector, message: message)
        case 404: return .notFound(connector: connector, message: message)
        case 429: return .throttled(connector: connector, retryAfter: header("Retry-After").flatMap(Int.init))
        default: return .downstream(connector: connector, status: status, message: message)
        }
    }

    /// The downstream's explanation: ServiceNow `{"error":{"message","detail"}}`, Graph
    /// `{"error":{"code","message"}}`, Salesforce `[{"message","errorCode"}]`, or the status
    /// — as one line of at most ``maximumMessageLength`` characters, whatever the downstream sent.
    var errorMessage: String {
        let words = explanation.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard words.count > Self.maximumMessageLength else { return words }
        return words.prefix(Self.maximumMessageLength - 1) + "…"
    }

    /// The longest downstream message an error repeats: a sentence, not a stack trace.
    static let maximumMessageLength = 200

    private var explanation: String {
        switch json {
        case .object(let object):
            if case .object(let error)? = object["error"] {
                let parts = [error["code"]?.stringValue, error["message"]?.stringValue, error["detail"]?.stringValue].compactMap { $0 }
                if !parts.isEmpty { return parts.joined(separator: ": ") }
            }
            if let description = object["error_description"]?.stringValue { return description }
            if let message = object["message"]?.stringValue { return message }
        case .array(let items):
            let messages = items.compactMap { item -> String? in
                guard case .object(let error) = item, let message = error["message"]?.stringValue else { return nil }
                return [error["errorCode"]?.stringValue, message].compactMap { $0 }.joined(separator: ": ")
            }
            if !messages.isEmpty { return messages.joined(separator: "; ") }
        default:
            break
        }
        return "HTTP \(status) with no explanation"
    }

    /// The `claims` of a `WWW-Authenticate: Bearer … error="insufficient_claims", claims="…"` challenge, decoded.
    var claimsChallenge: String? {
        guard let header = header("WWW-Authenticate"), header.contains("insufficient_claims"),
            let range = header.range(of: #"claims=""#)
        else { return nil }
        let encoded = header[range.upperBound...].prefix { $0 != "\"" }
        guard let data = Data(base64Encoded: String(encoded)) ?? Base64URL.decode(String(encoded)) else { return String(encoded) }
        return String(decoding: data, as: UTF8.self)
    }
}
