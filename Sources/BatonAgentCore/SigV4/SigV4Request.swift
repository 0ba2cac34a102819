/// An HTTP request as AWS Signature Version 4 sees it: what the signer signed.
public struct SigV4Request: Sendable {
    public var method: String
    /// The path as sent, percent-encoded (`/identities/GetWorkloadAccessToken`).
    public var path: String
    /// The query string as sent, without `?` (empty when there is none).
    public var query: String
    /// Every header as sent; names are compared without case.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The values of header `name`, in order.
    func values(of name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name }.map(\.value)
    }
}
