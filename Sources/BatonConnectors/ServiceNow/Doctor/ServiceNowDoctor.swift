import AsyncHTTPClient
import BatonCore
import BatonIdentity
import Foundation
import NIOCore

/// Answers "ServiceNow won't accept the token from Entra": checks the token a connector
/// would send against what the instance's OIDC inbound integration expects, then calls
/// the Table API with it, and explains each failure in one sentence with its fix.
///
/// The token is decoded, never printed. The expectations come from the connector's
/// `oidc:` section, or — for the emulator — from the instance itself.
public struct ServiceNowDoctor: Sendable {
    /// What the OIDC provider entity is configured with, as far as it is known.
    public struct Expectation: Sendable, Equatable {
        public var metadataURL: String?
        public var clientID: String?
        public var userClaim: String
        public var userField: String
        public var jtiVerification: Bool
        public var clockSkewSeconds: Int

        public init(
            metadataURL: String?, clientID: String?, userClaim: String = "preferred_username", userField: String = "email",
            jtiVerification: Bool = false, clockSkewSeconds: Int = 300
        ) {
            self.metadataURL = metadataURL
            self.clientID = clientID
            self.userClaim = userClaim
            self.userField = userField
            self.jtiVerification = jtiVerification
            self.clockSkewSeconds = clockSkewSeconds
        }
    }

    let baseURL: String
    let client: HTTPClient
    let now: @Sendable () -> Date

    public init(baseURL: String, client: HTTPClient = .shared, now: @escaping @Sendable () -> Date = Date.init) {
        self.baseURL = URLText.trimmingTrailingSlash(baseURL)
        self.client = client
        self.now = now
    }

    /// The emulator's own OIDC configuration (`GET /_dev/oidc`), or `nil` for a real instance.
    public func emulatorExpectation() async -> Expectation? {
        guard let (status, _, body) = try? await get("\(baseURL)/_dev/oidc", token: nil), status == 200,
            case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: body)
        else { return nil }
        return Expectation(
            metadataURL: object["metadata_url"]?.stringValue, clientID: object["client_id"]?.stringValue,
            userClaim: object["user_claim"]?.stringValue ?? "preferred_username", userField: object["user_field"]?.stringValue ?? "email",
            jtiVerification: object["jti_verification"] == .bool(true), clockSkewSeconds: Int(object["clock_skew_seconds"]?.integerValue ?? 300))
    }

    /// Every check, in order; the Table API call comes last (with JTI on, a token works once).
    public func diagnose(token: Secret, expectation: Expectation?) async -> [DoctorFinding] {
        guard let jws = try? CompactJWS(parsing: token.revealed, sizeLimit: 64 * 1024) else {
            return [
                DoctorFinding(
                    "token", .fail,
                    "The token is not a JWT, so ServiceNow cannot validate it; the connector must send the access token the IdP issued for the ServiceNow app."
                )
            ]
        }
        let claims = jws.claims
        var findings = [describe(claims)]
        guard let expectation else {
            findings.append(
                DoctorFinding(
                    "configuration", .skipped,
                    "What the instance expects is unknown; add an oidc: section (metadata_url, client_id, user_claim, user_field, jti_verification) to the connector's file to check the token against it."
                ))
            findings.append(await tableAPI(token: token, findings: findings))
            return findings
        }
        findings.append(await issuer(claims, expectation))
        findings.append(audience(claims, expectation))
        let claimFinding = userClaim(claims, expectation)
        findings.append(claimFinding)
        if claimFinding.outcome == .pass, let value = claims[expectation.userClaim]?.stringValue {
            findings.append(await matchingUser(value, expectation))
        }
        findings.append(jti(claims, expectation))
        findings.append(await clock(claims, expectation))
        findings.append(await tableAPI(token: token, findings: findings))
        return findings
    }

    // MARK: - Checks

    private func describe(_ claims: JSONObject) -> DoctorFinding {
        let audience = claims["aud"]?.stringValue ?? "?"
        let version = claims["ver"]?.stringValue ?? "?"
        let user = claims["preferred_username"]?.stringValue ?? claims["upn"]?.stringValue ?? "(no user name claim)"
        return DoctorFinding("token", .pass, "A v\(version) token for \(user), aud \(audience), issued by \(claims["iss"]?.stringValue ?? "?").")
    }

    private func issuer(_ claims: JSONObject, _ expectation: Expectation) async -> DoctorFinding {
        guard let metadataURL = expectation.metadataURL else {
            return DoctorFinding("issuer", .skipped, "No OIDC metadata URL is known; set oidc.metadata_url to check the issuer.")
        }
        guard let (status, _, body) = try? await get(metadataURL, token: nil), status == 200,
            case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: body), let expected = document["issuer"]?.stringValue
        else {
            return DoctorFinding(
                "issuer", .fail,
                "The OIDC metadata URL \(metadataURL) does not serve a discovery document; ServiceNow cannot fetch the keys — fix the URL in the OIDC provider configuration."
            )
        }
        let actual = claims["iss"]?.stringValue ?? ""
        let tenant = claims["tid"]?.stringValue ?? ""
        guard
            actual.replacingOccurrences(of: tenant, with: "{tenantid}") == expected.replacingOccurrences(of: tenant, with: "{tenantid}")
                || actual == expected
        else {
            let hint =
                actual.contains("sts.windows.net")
                ? " (a v1 token: set requestedAccessTokenVersion to 2 on the ServiceNow app registration, or use the v1 metadata URL)"
                : " (a v2 token: the metadata URL must be the …/v2.0/.well-known/openid-configuration one)"
            return DoctorFinding("issuer", .fail, "The token's issuer \(actual) is not the issuer \(expected) of the OIDC metadata URL\(hint).")
        }
        return DoctorFinding("issuer", .pass, "The token's issuer matches the OIDC metadata URL's.")
    }

    private func audience(_ claims: JSONObject, _ expectation: Expectation) -> DoctorFinding {
        guard let clientID = expectation.clientID else {
            return DoctorFinding("audience", .skipped, "No client id is known; set oidc.client_id to check the audience.")
        }
        let audiences = claims["aud"]?.stringArrayValue ?? claims["aud"]?.stringValue.map { [$0] } ?? []
        guard audiences.contains(clientID) else {
            return DoctorFinding(
                "audience", .fail,
                "The token's aud is \(audiences.joined(separator: ", ")) but the OIDC entity's Client ID is \(clientID); set the Client ID to exactly the aud value (v2 tokens carry the ServiceNow app's client id GUID, v1 tokens its api:// URI)."
            )
        }
        return DoctorFinding("audience", .pass, "The token's aud equals the OIDC entity's Client ID.")
    }

    private func userClaim(_ claims: JSONObject, _ expectation: Expectation) -> DoctorFinding {
        guard let value = claims[expectation.userClaim]?.stringValue, !value.isEmpty else {
            let present = ["preferred_username", "upn", "email", "oid"].filter { claims[$0] != nil }
            return DoctorFinding(
                "user claim", .fail,
                "The token has no '\(expectation.userClaim)' claim, the User Claim ServiceNow reads; set User Claim to one the token has (\(present.joined(separator: ", "))) — v2 tokens carry preferred_username, v1 tokens upn."
            )
        }
        return DoctorFinding("user claim", .pass, "The token's \(expectation.userClaim) is \(value).")
    }

    private func matchingUser(_ value: String, _ expectation: Expectation) async -> DoctorFinding {
        let url = "\(baseURL)/_dev/users?field=\(Self.encode(expectation.userField))&value=\(Self.encode(value))"
        guard let (status, _, body) = try? await get(url, token: nil), status == 200 || status == 404,
            case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: body), object["matches"] != nil
        else {
            return DoctorFinding(
                "user", .skipped,
                "Cannot look users up on a real instance without access; make sure one active sys_user has \(expectation.userField) = \(value).")
        }
        guard object["matches"] == .integer(1) else {
            return DoctorFinding(
                "user", .fail,
                "No single active sys_user has \(expectation.userField) = \(value); create the user, fix its \(expectation.userField), or map a claim to a field that holds it."
            )
        }
        return DoctorFinding("user", .pass, "One active sys_user has \(expectation.userField) = \(value).")
    }

    private func jti(_ claims: JSONObject, _ expectation: Expectation) -> DoctorFinding {
        guard expectation.jtiVerification else { return DoctorFinding("jti", .pass, "JTI verification is off.") }
        guard claims["jti"] != nil else {
            return DoctorFinding(
                "jti", .fail,
                "JTI verification is on but the token has no jti claim (Entra access tokens carry uti instead); turn off \"Enable JTI claim verification\" on the OIDC provider configuration."
            )
        }
        return DoctorFinding(
            "jti", .warn,
            "JTI verification is on: each token works for one call only, so Baton's cached tokens will be refused after their first use.")
    }

    private func clock(_ claims: JSONObject, _ expectation: Expectation) async -> DoctorFinding {
        guard let date = await serverTime() else {
            return DoctorFinding("clock", .skipped, "The instance sent no Date header, so its clock cannot be compared.")
        }
        let skew = date.timeIntervalSince(now())
        let expires = Double(claims["exp"]?.integerValue ?? 0)
        let notBefore = Double(claims["nbf"]?.integerValue ?? 0)
        let allowed = Double(expectation.clockSkewSeconds)
        let serverNow = date.timeIntervalSince1970
        if serverNow > expires + allowed || serverNow + allowed < notBefore {
            return DoctorFinding(
                "clock", .fail,
                "The instance's clock is \(Int(skew.rounded())) s off this machine's, which puts the token outside its validity (allowed skew \(Int(allowed)) s); fix the server time (NTP) or raise Clock Skew."
            )
        }
        if abs(skew) > 60 {
            return DoctorFinding(
                "clock", .warn, "The instance's clock is \(Int(skew.rounded())) s off this machine's; tokens near expiry may be refused.")
        }
        return DoctorFinding("clock", .pass, "The instance's clock agrees with this machine's (\(Int(skew.rounded())) s).")
    }

    private func tableAPI(token: Secret, findings: [DoctorFinding]) async -> DoctorFinding {
        let url = "\(baseURL)/api/now/table/sys_user?sysparm_limit=1&sysparm_fields=user_name"
        guard let (status, _, body) = try? await get(url, token: token) else {
            return DoctorFinding("table api", .fail, "The instance at \(baseURL) does not answer; check the connector's base_url and the network.")
        }
        switch status {
        case 200:
            return DoctorFinding("table api", .pass, "The Table API accepted the token and answered 200.")
        case 401:
            let failed = findings.filter { $0.outcome == .fail }.map(\.check)
            let cause =
                failed.isEmpty
                ? "no cause was found above: check that the OIDC provider configuration is active and that REST API auth scopes or access policies allow this token"
                : "see the failed checks above (\(failed.joined(separator: ", ")))"
            return DoctorFinding("table api", .fail, "The Table API answered 401 User Not Authenticated: \(cause).")
        case 403:
            return DoctorFinding(
                "table api", .fail,
                "The token was accepted but the Table API answered 403 (\(String(decoding: body.prefix(200), as: UTF8.self))); an auth scope or access policy excludes the Table API, or the user lacks roles."
            )
        default:
            return DoctorFinding("table api", .fail, "The Table API answered \(status); the instance may be down or hibernating.")
        }
    }

    // MARK: - HTTP

    /// The instance's time: the emulator's `GET /_dev/clock`, else a real instance's `Date` header.
    private func serverTime() async -> Date? {
        if let (status, _, body) = try? await get("\(baseURL)/_dev/clock", token: nil), status == 200,
            case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: body), let now = object["now"]?.stringValue
        {
            return Self.httpDate(now)
        }
        return (try? await get("\(baseURL)/api/now/table/sys_properties?sysparm_limit=1", token: nil).1).flatMap { $0.flatMap(Self.httpDate) }
    }

    private func get(_ url: String, token: Secret?) async throws -> (Int, String?, Data) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token.revealed)") }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Date"), Data(body.readableBytesView))
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    static func encode(_ text: String) -> String {
        URLText.percentEncoded(text)
    }
}
