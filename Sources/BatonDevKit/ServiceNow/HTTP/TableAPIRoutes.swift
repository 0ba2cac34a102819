import BatonCore
import BatonIdentity
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/now[/v1|/v2]/table/{table}[/{sys_id}]`: the Table API as a real instance serves it.
struct TableAPIRoutes: Sendable {
    let emulator: ServiceNowEmulator

    static let defaultLimit = 10_000
    static let maximumBody = 1 << 20

    func register(on router: Router<BasicRequestContext>) {
        for prefix in ["api/now/table", "api/now/:version/table"] {
            router.get("\(prefix)/:table") { request, context in await handle(request, context) { try await list($0, $1, $2) } }
            router.head("\(prefix)/:table") { request, context in await handle(request, context) { try await list($0, $1, $2) } }
            router.post("\(prefix)/:table") { request, context in await handle(request, context) { try await create($0, $1, $2) } }
            router.get("\(prefix)/:table/:sys_id") { request, context in await handle(request, context) { try await get($0, $1, $2) } }
            router.put("\(prefix)/:table/:sys_id") { request, context in await handle(request, context) { try await update($0, $1, $2) } }
            router.patch("\(prefix)/:table/:sys_id") { request, context in await handle(request, context) { try await update($0, $1, $2) } }
            router.delete("\(prefix)/:table/:sys_id") { request, context in await handle(request, context) { try await delete($0, $1, $2) } }
        }
    }

    /// Where a request is going, read from its path.
    struct Target {
        var table: String
        var sysID: String?
        /// `v1`, `v2`, or `nil` for the unversioned (latest, v2) API.
        var version: String?
    }

    // MARK: - The common path: faults, cookies, authentication, errors

    private func handle(
        _ request: Request, _ context: BasicRequestContext,
        _ body: (Request, Target, ServiceNowInstance.Session) async throws -> Response
    ) async -> Response {
        // Hummingbird stamps every response's Date with the real time, so the instance's own
        // (possibly wrong) clock is read from GET /_dev/clock instead.
        await respond(request, context, body)
    }

    func respond(
        _ request: Request, _ context: BasicRequestContext,
        _ body: (Request, Target, ServiceNowInstance.Session) async throws -> Response
    ) async -> Response {
        let sentCookie = request.headers[.cookie].map { $0.contains("glide_") } ?? false
        let traceID = TraceContext(traceparent: request.headers[HTTPField.Name(TraceContext.header)!])?.traceID
        if let fault = await emulator.faults.next(sentCookie: sentCookie, traceID: traceID) { return Self.response(for: fault) }
        let version = context.parameters.get("version")
        if let version, version != "v1", version != "v2" {
            return Self.failure(.badRequest("Requested URI does not represent any resource: /api/now/\(version)"))
        }
        let target = Target(table: context.parameters.get("table") ?? "", sysID: context.parameters.get("sys_id"), version: version)
        do {
            let session = try await emulator.authenticator.session(authorization: request.headers[.authorization])
            var response = try await body(request, target, session)
            response.headers[HTTPField.Name("Set-Cookie")!] = "glide_session_store=\(ServiceNowInstance.newSysID()); Path=/; HttpOnly; Secure"
            return response
        } catch let failure as ServiceNowFailure {
            return Self.failure(failure)
        } catch let error as QueryError {
            return Self.failure(.badRequest("Invalid query", detail: error.message))
        } catch {
            return Self.failure(ServiceNowFailure(status: 500, message: "Internal error", detail: "\(error)"))
        }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    // MARK: - Operations

    func list(_ request: Request, _ target: Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let parameters = request.uri.queryParameters
        let limit = try Self.integer(parameters.get("sysparm_limit"), name: "sysparm_limit") ?? Self.defaultLimit
        let offset = try Self.integer(parameters.get("sysparm_offset"), name: "sysparm_offset") ?? 0
        guard limit > 0, offset >= 0 else {
            throw ServiceNowFailure.badRequest("Invalid pagination", detail: "sysparm_limit must be positive and sysparm_offset not negative")
        }
        var query = try EncodedQuery(parsing: parameters.get("sysparm_query") ?? "")
        for (name, value) in parameters where !name.hasPrefix("sysparm_") {
            query.groups = (query.groups.isEmpty ? [[]] : query.groups).map {
                $0 + [[EncodedQuery.Condition(field: String(name), op: .equals, value: String(value))]]
            }
        }
        let page = try await emulator.instance.list(target.table, query: query, limit: limit, offset: offset, as: session)
        if target.version == "v1", page.records.isEmpty { throw ServiceNowFailure.noMatchesV1 }
        let rendered = await emulator.instance.render(page.records, table: target.table, options: options(request, target), as: session)
        var response = Self.json(.ok, ["result": .array(rendered)], head: request.method == .head)
        if parameters.get("sysparm_no_count") != "true" { response.headers[HTTPField.Name("X-Total-Count")!] = String(page.total) }
        if parameters.get("sysparm_suppress_pagination_header") != "true" {
            response.headers[HTTPField.Name("Link")!] = link(request, total: page.total, limit: limit, offset: offset)
        }
        return response
    }

    func get(_ request: Request, _ target: Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let record = try await emulator.instance.get(target.table, sysID: target.sysID ?? "", as: session)
        let rendered = await emulator.instance.render(record, table: target.table, options: options(request, target), as: session)
        return Self.json(.ok, ["result": rendered])
    }

    func create(_ request: Request, _ target: Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let values = try await Self.values(request)
        let record = try await emulator.instance.insert(target.table, values: values, as: session)
        let rendered = await emulator.instance.render(record, table: target.table, options: options(request, target), as: session)
        var response = Self.json(.created, ["result": rendered], head: request.headers[HTTPField.Name("X-no-response-body")!] == "true")
        response.headers[.location] = "\(apiBase(target))/table/\(target.table)/\(record.sysID)"
        return response
    }

    func update(_ request: Request, _ target: Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let values = try await Self.values(request)
        let record = try await emulator.instance.update(target.table, sysID: target.sysID ?? "", values: values, as: session)
        let rendered = await emulator.instance.render(record, table: target.table, options: options(request, target), as: session)
        return Self.json(.ok, ["result": rendered], head: request.headers[HTTPField.Name("X-no-response-body")!] == "true")
    }

    func delete(_ request: Request, _ target: Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        try await emulator.instance.delete(target.table, sysID: target.sysID ?? "", as: session)
        return Response(status: .noContent)
    }

    // MARK: - Parameters and bodies

    private func options(_ request: Request, _ target: Target) -> RenderOptions {
        let parameters = request.uri.queryParameters
        return RenderOptions(
            displayValue: parameters.get("sysparm_display_value").flatMap { RenderOptions.DisplayValue(rawValue: $0.lowercased()) } ?? .stored,
            excludeReferenceLink: parameters.get("sysparm_exclude_reference_link") == "true",
            fields: (parameters.get("sysparm_fields") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            apiBase: apiBase(target))
    }

    private func apiBase(_ target: Target) -> String {
        emulator.baseURL + "/api/now" + (target.version.map { "/\($0)" } ?? "")
    }

    /// `first`, `prev`, `next` (while there is more) and `last`, comma-separated without spaces.
    private func link(_ request: Request, total: Int, limit: Int, offset: Int) -> String {
        var others: [(String, String)] = []
        for (name, value) in request.uri.queryParameters where name != "sysparm_limit" && name != "sysparm_offset" {
            others.append((String(name), String(value)))
        }
        func url(_ at: Int) -> String {
            var components = URLComponents()
            components.queryItems = (others + [("sysparm_limit", String(limit)), ("sysparm_offset", String(at))]).map {
                URLQueryItem(name: $0.0, value: $0.1)
            }
            let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "^", with: "%5E")
            return "<\(emulator.baseURL)\(request.uri.path)?\(query)>"
        }
        var links = ["\(url(0));rel=\"first\"", "\(url(offset - limit));rel=\"prev\""]
        if offset + limit < total { links.append("\(url(offset + limit));rel=\"next\"") }
        links.append("\(url(total == 0 ? 0 : (total - 1) / limit * limit));rel=\"last\"")
        return links.joined(separator: ",")
    }

    private static func integer(_ text: String?, name: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw ServiceNowFailure.badRequest("Invalid \(name)", detail: "\(name) must be an integer") }
        return value
    }

    /// A write body's fields as strings; an array body's first element, as the platform does.
    static func values(_ request: Request) async throws -> [String: String] {
        if let type = request.headers[.contentType], !type.lowercased().contains("json") {
            throw ServiceNowFailure(status: 415, message: "Unsupported Media Type", detail: "Only application/json bodies are supported")
        }
        let buffer = try await request.body.collect(upTo: maximumBody)
        var value: JSONValue
        do {
            value = try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw ServiceNowFailure.badRequest("Exception while reading request", detail: "The payload is not valid JSON.")
        }
        if case .array(let elements) = value, let first = elements.first { value = first }
        guard case .object(let object) = value else {
            throw ServiceNowFailure.badRequest("Exception while reading request", detail: "Expected a JSON object.")
        }
        var values: [String: String] = [:]
        for (name, field) in object {
            switch field {
            case .string(let text): values[name] = text
            case .integer(let number): values[name] = String(number)
            case .number(let number): values[name] = String(number)
            case .bool(let flag): values[name] = flag ? "true" : "false"
            case .null: values[name] = ""
            case .array, .object: throw ServiceNowFailure.badRequest("Exception while reading request", detail: "Field \(name) must be a string.")
            }
        }
        return values
    }

    // MARK: - Responses

    static func json(_ status: HTTPResponse.Status, _ object: JSONObject, head: Bool = false) -> Response {
        let data = JSONValue.object(object).serialized
        var headers = HTTPFields()
        headers[.contentType] = "application/json;charset=UTF-8"
        headers[.cacheControl] = "no-cache,no-store,must-revalidate,max-age=-1"
        headers[.server] = "ServiceNow"
        return Response(status: status, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func failure(_ failure: ServiceNowFailure) -> Response {
        json(
            HTTPResponse.Status(code: failure.status),
            ["error": ["message": .string(failure.message), "detail": failure.detail.map(JSONValue.string) ?? .null], "status": "failure"])
    }

    static func response(for fault: ServiceNowFault) -> Response {
        switch fault {
        case .rateLimited(let retryAfter):
            var response = failure(
                ServiceNowFailure(status: 429, message: "Rate limit exceeded", detail: "Rate limit of 100 requests per hour for Table API exceeded"))
            response.headers[.retryAfter] = String(retryAfter)
            response.headers[HTTPField.Name("X-RateLimit-Limit")!] = "100"
            response.headers[HTTPField.Name("X-RateLimit-Reset")!] = String(Int(Date().timeIntervalSince1970) + retryAfter)
            return response
        case .serverError(let status):
            return failure(ServiceNowFailure(status: status, message: "Internal Server Error", detail: nil))
        case .acceptedWithoutBody:
            return Response(status: .accepted)
        case .hibernating:
            var headers = HTTPFields()
            headers[.contentType] = "text/html;charset=UTF-8"
            let page = "<html><head><title>Instance Hibernating page</title></head><body>Your instance is hibernating.</body></html>"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
        }
    }
}
