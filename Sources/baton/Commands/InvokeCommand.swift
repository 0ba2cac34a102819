import ArgumentParser
import BatonAgents
import BatonCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `baton invoke`: ask an agent of a running daemon something, as a user.
struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Ask an agent of a running daemon something, as a signed-in user.",
        discussion: """
            With --user, signs the user in at the dev identity provider (--idp) for the agent; with --token, uses that \
            token (its audience must be the agent). Prints the answer, the data as a table when it is a list, the chain \
            id and the hops.
            """
    )

    @Argument(help: "What to ask, e.g. \"Show me 5 incidents assigned to me\".")
    var input: String

    @Option(name: .long, help: "The agent (default: the front-door agent).")
    var agent: String?

    @OptionGroup var credentials: UserTokenOptions

    @Option(name: .long, help: "The daemon's base URL (default: the running `baton dev up` stack's, else http://127.0.0.1:8080).")
    var url: String?

    @Flag(name: .long, help: "Show each step as it happens (server-sent events).")
    var stream = false

    @Flag(name: .long, help: "Print the daemon's JSON answer as it is.")
    var json = false

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await reportingFailures {
            let (_, _, agents) = try options.loadDefinitions()
            guard let definition = agent.map({ agents.definition(named: $0) }) ?? agents.frontDoor else {
                throw CommandFailure(message: agent.map { "no agent is named '\($0)'" } ?? "no front-door agent is defined; pass --agent")
            }
            let bearer = try await credentials.token(scope: "\(definition.resource)/\(definition.acceptedScopes.sorted().first ?? "access_as_user")")
            let daemon = url ?? credentials.runningStack?.baton ?? "http://127.0.0.1:8080"
            let (status, body, contentType) = try await post(agent: definition.id.rawValue, token: bearer, daemon: daemon)
            if stream || contentType?.contains("event-stream") == true {
                print(String(decoding: body, as: UTF8.self), terminator: "")
                return
            }
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            guard status == 200 else {
                let error = object["error"] as? [String: Any]
                throw CommandFailure(
                    message: "\(status) \(error?["code"] as? String ?? ""): \(error?["message"] as? String ?? String(decoding: body, as: UTF8.self))")
            }
            if json {
                print(String(decoding: body, as: UTF8.self))
                return
            }
            print(AnswerPrinter.render(object))
        }
    }

    private func post(agent: String, token: String, daemon: String) async throws -> (Int, Data, String?) {
        guard let endpoint = URL(string: "\(URLText.trimmingTrailingSlash(daemon))/v1/agents/\(agent)/invoke") else {
            throw CommandFailure(message: "--url \(daemon) is not a URL")
        }
        var request = URLRequest(url: endpoint, timeoutInterval: 120)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(stream ? "text/event-stream" : "application/json", forHTTPHeaderField: "Accept")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["input": input])
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = response as? HTTPURLResponse
            return (http?.statusCode ?? 0, data, http?.value(forHTTPHeaderField: "Content-Type"))
        } catch {
            throw CommandFailure(message: "cannot reach the daemon at \(daemon): \(error.localizedDescription)")
        }
    }
}
