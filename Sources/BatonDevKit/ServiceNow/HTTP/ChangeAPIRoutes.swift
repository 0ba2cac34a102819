import BatonCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/sn_chg_rest[/v1]/change`: the Change Management API — list and read change
/// requests, create normal and emergency changes and standard ones from a template, update
/// them, and list and add their tasks. Every field comes back as `{value, display_value}`,
/// as that API writes it; the user's ACLs apply as in the Table API.
struct ChangeAPIRoutes: Sendable {
    let emulator: ServiceNowEmulator
    /// The Table API's request handling (faults, authentication, error bodies), shared.
    var table: TableAPIRoutes { TableAPIRoutes(emulator: emulator) }

    func register(on router: Router<BasicRequestContext>) {
        for prefix in ["api/sn_chg_rest/change", "api/sn_chg_rest/:version/change"] {
            router.get("\(prefix)") { request, context in
                await table.respond(request, context) { request, _, session in try await list(request, session) }
            }
            router.get("\(prefix)/standard/template") { request, context in
                await table.respond(request, context) { request, _, session in try await templates(request, session) }
            }
            for model in ["normal", "emergency"] {
                router.post("\(prefix)/\(model)") { request, context in
                    await table.respond(request, context) { request, _, session in try await create(request, type: model, template: nil, session) }
                }
            }
            router.post("\(prefix)/standard/:sys_id") { request, context in
                let template = context.parameters.get("sys_id") ?? ""
                return await table.respond(request, context) { request, _, session in
                    try await create(request, type: "standard", template: template, session)
                }
            }
            router.get("\(prefix)/:sys_id") { request, context in await table.respond(request, context) { try await get($1, $2) } }
            for path in ["\(prefix)/:sys_id", "\(prefix)/normal/:sys_id", "\(prefix)/emergency/:sys_id", "\(prefix)/standard/:sys_id"] {
                router.patch(RouterPath(stringLiteral: path)) { request, context in
                    await table.respond(request, context) { try await update($0, $1, $2) }
                }
            }
            router.get("\(prefix)/:sys_id/task") { request, context in await table.respond(request, context) { try await tasks($0, $1, $2) } }
            router.post("\(prefix)/:sys_id/task") { request, context in await table.respond(request, context) { try await addTask($0, $1, $2) } }
        }
    }

    private var options: RenderOptions {
        RenderOptions(displayValue: .all, excludeReferenceLink: true, apiBase: emulator.baseURL + "/api/now")
    }

    private func list(_ request: Request, _ session: ServiceNowInstance.Session) async throws -> Response {
        try await page("change_request", query: request.uri.queryParameters.get("sysparm_query") ?? "", request, session)
    }

    private func templates(_ request: Request, _ session: ServiceNowInstance.Session) async throws -> Response {
        try await page("std_change_producer_version", query: request.uri.queryParameters.get("sysparm_query") ?? "active=true", request, session)
    }

    private func page(_ name: String, query: String, _ request: Request, _ session: ServiceNowInstance.Session) async throws -> Response {
        let parameters = request.uri.queryParameters
        let limit = Int(parameters.get("sysparm_limit") ?? "") ?? 500
        let offset = Int(parameters.get("sysparm_offset") ?? "") ?? 0
        guard limit > 0, offset >= 0 else {
            throw ServiceNowFailure.badRequest("Invalid pagination", detail: "sysparm_limit must be positive and sysparm_offset not negative")
        }
        let page = try await emulator.instance.list(name, query: try EncodedQuery(parsing: query), limit: limit, offset: offset, as: session)
        let rendered = await emulator.instance.render(page.records, table: name, options: options, as: session)
        var response = TableAPIRoutes.json(.ok, ["result": .array(rendered)])
        response.headers[HTTPField.Name("X-Total-Count")!] = String(page.total)
        return response
    }

    private func get(_ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let record = try await emulator.instance.get("change_request", sysID: target.sysID ?? "", as: session)
        return TableAPIRoutes.json(.ok, ["result": await emulator.instance.render(record, table: "change_request", options: options, as: session)])
    }

    /// A new change of `type`; a standard one takes its template's values first.
    private func create(_ request: Request, type: String, template: String?, _ session: ServiceNowInstance.Session) async throws -> Response {
        var values = try await TableAPIRoutes.values(request)
        if let template {
            guard let found = try? await emulator.instance.get("std_change_producer_version", sysID: template, as: session),
                found["active"] != "false"
            else { throw ServiceNowFailure.badRequest("Invalid standard change template", detail: "No active standard change template \(template)") }
            for pair in (found["template"] ?? "").split(separator: "^") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2, values[parts[0]] == nil { values[parts[0]] = parts[1] }
            }
            values["std_change_producer_version"] = template
        }
        values["type"] = type
        values["state"] = nil
        let record = try await emulator.instance.insert("change_request", values: values, as: session)
        let rendered = await emulator.instance.render(record, table: "change_request", options: options, as: session)
        var response = TableAPIRoutes.json(.ok, ["result": rendered])
        response.headers[.location] = "\(emulator.baseURL)/api/sn_chg_rest/change/\(record.sysID)"
        return response
    }

    private func update(_ request: Request, _ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        var values = try await TableAPIRoutes.values(request)
        values["type"] = nil
        if let state = values["state"], TableSchema.changeState[state] == nil {
            throw ServiceNowFailure.badRequest("Invalid state", detail: "state \(state) is not a change state")
        }
        let record = try await emulator.instance.update("change_request", sysID: target.sysID ?? "", values: values, as: session)
        return TableAPIRoutes.json(.ok, ["result": await emulator.instance.render(record, table: "change_request", options: options, as: session)])
    }

    private func tasks(_ request: Request, _ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let change = try await emulator.instance.get("change_request", sysID: target.sysID ?? "", as: session)
        return try await page("change_task", query: "change_request=\(change.sysID)^ORDERBYnumber", request, session)
    }

    private func addTask(_ request: Request, _ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let change = try await emulator.instance.get("change_request", sysID: target.sysID ?? "", as: session)
        var values = try await TableAPIRoutes.values(request)
        values["change_request"] = change.sysID
        let task = try await emulator.instance.insert("change_task", values: values, as: session)
        return TableAPIRoutes.json(.ok, ["result": await emulator.instance.render(task, table: "change_task", options: options, as: session)])
    }
}
