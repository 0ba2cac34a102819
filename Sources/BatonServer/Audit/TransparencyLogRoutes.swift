import BatonLedger
import Foundation
import Hummingbird

/// The ledger as a read-only C2SP tlog-tiles log: `GET /checkpoint` (the latest signed
/// checkpoint) and `GET /tile/<L>/<N>[.p/<W>]` (hash tiles), plus `GET
/// /tile/entries/<N>[.p/<W>]` when `storage.ledger_publish` is `entries`.
///
/// No token is asked: what is published is what any auditor may hold. Tiles never change,
/// so they are cacheable for a year; the checkpoint is not cached.
struct TransparencyLogRoutes {
    let storage: StorageService

    func register(on router: Router<BatonRequestContext>) {
        router.get("checkpoint") { _, _ -> Response in
            guard await storage.transparencyLog()?.publication != .off else { throw Self.notPublished }
            guard let note = await storage.ledger()?.writer.latestCheckpoint?.note else {
                throw HTTPError(.notFound, message: "the ledger has signed no checkpoint yet")
            }
            return Self.response(Array(note.utf8), contentType: "text/plain; charset=utf-8", cacheControl: "no-cache")
        }
        router.get("tile/**") { request, _ -> Response in
            guard let tile = TileID(path: String(request.uri.path.dropFirst())) else {
                throw HTTPError(.notFound, message: "not a tile path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])")
            }
            guard let log = await storage.transparencyLog() else { throw HTTPError(.serviceUnavailable, message: "the ledger is not open yet") }
            guard log.publication != .off else { throw Self.notPublished }
            guard let contents = try await log.contents(of: tile) else {
                let withheld = tile.level == nil && log.publication == .hashes
                throw HTTPError(.notFound, message: withheld ? "entries are not published (storage.ledger_publish: hashes)" : "no such tile yet")
            }
            return Self.response(contents, contentType: "application/octet-stream", cacheControl: "public, max-age=31536000, immutable")
        }
    }

    private static let notPublished = HTTPError(.notFound, message: "the ledger's transparency log is not published (storage.ledger_publish: off)")

    private static func response(_ bytes: [UInt8], contentType: String, cacheControl: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = cacheControl
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
