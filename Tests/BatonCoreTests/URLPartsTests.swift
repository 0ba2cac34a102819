import Testing

@testable import BatonCore

@Suite("URLParts: what a client span keeps of a URL")
struct URLPartsTests {
    @Test("the query, fragment and user info are dropped; the host, the port (or the scheme's default) and the path are kept")
    func parts() throws {
        let cases: [(String, String, String, Int?)] = [
            (
                "https://dev.service-now.com/api/now/table/incident?sysparm_query=caller%3Djane#top",
                "https://dev.service-now.com/api/now/table/incident", "dev.service-now.com", 443
            ),
            ("http://jane:s3cret@127.0.0.1:8080/token?code=abc", "http://127.0.0.1:8080/token", "127.0.0.1", 8080),
            ("HTTP://graph.microsoft.com", "http://graph.microsoft.com", "graph.microsoft.com", 80),
            ("https://[::1]:9443/a2a/itsm", "https://[::1]:9443/a2a/itsm", "::1", 9443),
            ("https://[2001:db8::1]/x?y", "https://[2001:db8::1]/x", "2001:db8::1", 443),
            ("http://host:/path", "http://host:/path", "host", 80),
            ("grpc://collector:4317", "grpc://collector:4317", "collector", 4317),
            ("ws://collector/", "ws://collector/", "collector", nil),
        ]
        for (url, withoutQuery, host, port) in cases {
            let parts = try #require(URLParts(url), "\(url)")
            #expect(parts.withoutQuery == withoutQuery && parts.host == host && parts.port == port, "\(url)")
            #expect(!parts.withoutQuery.contains("s3cret") && !parts.withoutQuery.contains("sysparm"))
        }
    }

    @Test("a string that is no absolute URL, or names a port out of range, gives nothing")
    func notURLs() {
        for text in [
            "", "incident", "/api/now/table/incident", "https://", "https://:443/x", "http://host:99999/", "http://host:8o/", "/p?q=a://b",
            "1http://host/",
        ] {
            #expect(URLParts(text) == nil, "\(text)")
        }
    }
}
