import BatonConnectors
import BatonCore
import BatonIdentity
import Foundation
import Hummingbird

/// `/_dev/…`: the ServiceNow emulator's knobs and admin view, for `baton doctor`, the demo
/// and manual testing. A real instance has none of these.
///
/// | route | effect |
/// |---|---|
/// | `GET /_dev/oidc`, `PUT /_dev/oidc` (JSON) | read / change the OIDC inbound configuration |
/// | `POST /_dev/clock?offset_seconds=N` | set the instance's clock N seconds off |
/// | `GET /_dev/clock` | the instance's time (`now`, HTTP date form): Hummingbird stamps the real time in `Date` |
/// | `POST /_dev/fault?kind=rate_limited\|server_error\|accepted\|hibernating&count=N[&retry_after=S][&status=500]` | misbehave N times |
/// | `GET /_dev/visibility?email=E[&table=incident]` | records that exist and those the user may read |
/// | `GET /_dev/users?field=F&value=V` | whether one active user has F = V (`{"matches": 0\|1}`) |
/// | `GET /_dev/stats` | requests served, session cookies sent back |
/// | `GET /_dev/last-rejection` | why the last refused token was refused |
/// | `GET /_dev/accepted-tokens` | the last 100 accepted tokens: `aud`, `oid`, `azp` and SHA-256 of each (never the token) |
struct EmulatorKnobRoutes: Sendable {
    let emulator: ServiceNowEmulator

    func register(on router: Router<BasicRequestContext>) {
        let knobs = router.group("_dev")
        knobs.get("oidc") { _, _ in try await Self.encoded(emulator.oidcSettings()) }
        knobs.put("oidc") { request, _ in
            let buffer = try await request.body.collect(upTo: 64 * 1024)
            guard let settings = try? JSONDecoder().decode(ServiceNowOIDCSettings.self, from: Data(buffer: buffer)) else {
                return TableAPIRoutes.failure(.badRequest("Invalid OIDC configuration", detail: "expected the fields GET /_dev/oidc returns"))
            }
            await emulator.configure(settings)
            return try Self.encoded(settings)
        }
        knobs.post("clock") { request, _ in
            let offset = try request.uri.queryParameters.require("offset_seconds", as: Int.self)
            emulator.instance.clock.setOffset(TimeInterval(offset))
            return TableAPIRoutes.json(.ok, ["offset_seconds": .integer(Int64(offset))])
        }
        knobs.get("clock") { _, _ in
            TableAPIRoutes.json(
                .ok,
                [
                    "now": .string(TableAPIRoutes.httpDate(emulator.instance.clock.now)),
                    "offset_seconds": .integer(Int64(emulator.instance.clock.offsetSeconds)),
                ])
        }
        knobs.post("fault") { request, _ in
            let parameters = request.uri.queryParameters
            let count = parameters.get("count", as: Int.self) ?? 1
            let fault: ServiceNowFault
            switch parameters.get("kind") {
            case "rate_limited": fault = .rateLimited(retryAfter: parameters.get("retry_after", as: Int.self) ?? 1)
            case "server_error": fault = .serverError(status: parameters.get("status", as: Int.self) ?? 500)
            case "accepted": fault = .acceptedWithoutBody
            case "hibernating": fault = .hibernating
            default:
                return TableAPIRoutes.failure(.badRequest("Unknown fault", detail: "kind is rate_limited, server_error, accepted or hibernating"))
            }
            await emulator.inject(fault, count: count)
            return TableAPIRoutes.json(.ok, ["count": .integer(Int64(count))])
        }
        knobs.get("visibility") { request, _ in
            let email = try request.uri.queryParameters.require("email")
            let table = request.uri.queryParameters.get("table") ?? "incident"
            guard let counts = await emulator.visibility(of: table, forUserWithEmail: email) else {
                return TableAPIRoutes.failure(ServiceNowFailure(status: 404, message: "No such user", detail: "no sys_user has email \(email)"))
            }
            return TableAPIRoutes.json(
                .ok, ["table": .string(table), "total": .integer(Int64(counts.total)), "readable": .integer(Int64(counts.readable))])
        }
        knobs.get("users") { request, _ in
            let field = try request.uri.queryParameters.require("field")
            let value = try request.uri.queryParameters.require("value")
            let found = await emulator.instance.user(where: field, equals: value) != nil
            return TableAPIRoutes.json(found ? .ok : .notFound, ["matches": .integer(found ? 1 : 0)])
        }
        knobs.get("stats") { _, _ in
            let statistics = await emulator.statistics()
            return TableAPIRoutes.json(
                .ok, ["requests": .integer(Int64(statistics.requests)), "cookie_replays": .integer(Int64(statistics.cookieReplays))])
        }
        knobs.get("accepted-tokens") { _, _ in
            TableAPIRoutes.json(.ok, ["tokens": .array(await emulator.acceptedTokens())])
        }
        knobs.get("last-rejection") { _, _ in
            TableAPIRoutes.json(.ok, ["reason": await emulator.lastRejection().map(JSONValue.string) ?? .null])
        }
    }

    private static func encoded(_ settings: ServiceNowOIDCSettings) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(settings))))
    }
}
