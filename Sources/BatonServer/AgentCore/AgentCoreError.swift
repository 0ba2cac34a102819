import BatonAgentCore
import BatonCore
internal import HTTPTypes
import Hummingbird

/// An error of the AgentCore data plane as botocore reads it: the HTTP status, the
/// `x-amzn-ErrorType` header naming the exception, and `{"message": …}`.
struct AgentCoreError: Error {
    let status: Int
    let type: String
    let message: String

    static func validation(_ message: String) -> AgentCoreError { .init(status: 400, type: "ValidationException", message: message) }
    static func accessDenied(_ message: String) -> AgentCoreError { .init(status: 403, type: "AccessDeniedException", message: message) }
    static func notFound(_ message: String) -> AgentCoreError { .init(status: 404, type: "ResourceNotFoundException", message: message) }
    static func unauthorized(_ message: String) -> AgentCoreError { .init(status: 401, type: "UnauthorizedException", message: message) }
    static func internalError(_ message: String) -> AgentCoreError { .init(status: 500, type: "InternalServerException", message: message) }

    init(status: Int, type: String, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    init(_ error: SigV4Error) {
        self.init(status: error.status, type: error.errorType, message: error.description)
    }

    var response: Response {
        HealthRoutes.json(
            HTTPResponse.Status(code: status), bytes: JSONValue.object(["message": .string(message)]).serialized,
            headers: [HTTPField.Name("x-amzn-ErrorType")!: type])
    }
}
