import BatonLedger
import Foundation
internal import HTTPTypes
import Hummingbird

extension ConsoleRoutes {
    static let livePollInterval = Duration.seconds(1)
    /// Quiet polls before a keep-alive comment: how soon a closed tab is noticed.
    static let liveKeepAlive = 5

    /// One entry as the live view shows it.
    struct LiveEntry: Encodable {
        let sequence: Int64
        let time: String
        let chain: String
        let user: String?
        let agent: String?
        let kind: String
        let target: String?
        let resource: String?
        let outcome: String

        init(_ entry: LedgerEntry) {
            sequence = entry.sequence
            time = ConsoleLayout.time(microseconds: entry.timestamp)
            chain = entry.chainID
            user = entry.user.map { $0.username ?? $0.objectID }
            agent = entry.agent
            kind = entry.kind.rawValue
            target = entry.target
            resource = entry.resource
            outcome = ChainPicture.outcome(of: [entry]).rawValue
        }
    }

    /// `GET /console/live/events`: server-sent events, one `entry` event per new ledger
    /// entry the viewer may see. The stream ends when the session does or the browser goes
    /// (the next write fails: a keep-alive comment goes out after five quiet seconds). A
    /// session holds at most ``ConsoleSessions/maximumLiveStreams`` at once; one more is a 429.
    func liveEvents(_ request: Request) async throws -> Response {
        let session = try await session(request)
        guard await sessions.mayOpenLiveStream(for: session.id) else {
            throw ConsoleRefusal.tooMany(
                "This session already has \(ConsoleSessions.maximumLiveStreams) live views open; close one (a closed tab lets go within seconds).")
        }
        let records = try await reader().records
        let start = try await records.head()?.sequence ?? 0
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [sessions] writer in
                // The place is taken here, where it is given back whatever happens; two
                // requests racing past the check above find the last one taken.
                guard await sessions.openLiveStream(for: session.id) else {
                    try await writer.write(ByteBuffer(string: ": too many live views for this session\n\n"))
                    try await writer.finish(nil)
                    return
                }
                do {
                    try await Self.streamEntries(from: start, of: records, to: session, while: sessions, writer: &writer)
                } catch {
                    await sessions.closeLiveStream(for: session.id)
                    throw error
                }
                await sessions.closeLiveStream(for: session.id)
                try await writer.finish(nil)
            })
    }

    /// Writes each new entry `session` may see until the session ends or a write fails.
    private static func streamEntries(
        from start: Int64, of records: any LedgerRecordSource, to session: ConsoleSession, while sessions: ConsoleSessions,
        writer: inout any ResponseBodyWriter
    ) async throws {
        var (cursor, quiet) = (start, 0)
        let encoder = JSONEncoder()
        try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
        while await sessions.session(id: session.id) != nil {
            let entries = try await records.entries(after: cursor, limit: 500)
            var events = ""
            for entry in entries where session.viewer.maySee(entry) {
                events += "event: entry\ndata: \(String(decoding: try encoder.encode(LiveEntry(entry)), as: UTF8.self))\n\n"
            }
            cursor = entries.last?.sequence ?? cursor
            quiet = events.isEmpty ? quiet + 1 : 0
            if quiet >= Self.liveKeepAlive { (events, quiet) = (": still here\n\n", 0) }
            if !events.isEmpty { try await writer.write(ByteBuffer(string: events)) }
            try await Task.sleep(for: Self.livePollInterval)
        }
    }
}
