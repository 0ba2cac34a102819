import AsyncHTTPClient
import BatonCore
import BatonIdentity
import Foundation
internal import NIOCore

/// Answers "ServiceNow won't accept the token from Entra": checks the token a connector
/// would send against what the instance's OIDC inbound integration expects, then calls
/// the Table API with it, and explains each failure in one sentence with its fix.
///
/// The token is decoded, never printed. The expectations come from the connector's
/// `oidc:` section (or what `baton dev up` configured its emulator with). The doctor
/// talks to the instance only as any client would: the instance's clock is read from
/// the `Date` header of its answers, and users are not looked up (that needs access a
/// doctor does not have) unless a ``UserDirectory`` is given.
public struct ServiceNowDoctor: Sendable {
    /// Counts the active `sys_user` records whose `field` equals `value`.
    public typealias UserDirectory = @Sendable (_ field: String, _ value: String) async -> Int?
    /// The instance's current time, when known better than from its `Date` header.
    public typealias InstanceClock = @Sendable () async -> Date?

    let baseURL: String
    let client: HTTPClient
    let now: @Sendable () -> Date
    let users: UserDirectory?
    let instanceClock: InstanceClock?

    /// - Parameters:
    ///   - users: a way to look users up; without one the user check is skipped.
    ///   - instanceClock: the instance's time; without one it is read from the `Date` header.
    public init(
        baseURL: String, client: HTTPClient = .shared, now: @escaping @Sendable () -> Date = Date.init, users: UserDirectory? = nil,
        instanceClock: InstanceClock? = nil
    ) {
        self.baseURL = URLText.trimmingTrailingSlash(baseURL)
        self.client = client
        self.now = now
        self.users = users
        self.instanceClock = instanceClock
    }

    /// Every check, in order; the Table API call comes last (with JTI on, a token works once).
    public func diagnose(token: Secret, expectation: ServiceNowOIDCSettings?) async -> [DoctorFinding] {
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
            findings.append(await tableAPI(token: token, findings: findings, expectation: nil, claims: claims))
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
        findings.append(await tableAPI(token: token, findings: findings, expectation: expectation, claims: claims))
        return findings
    }

    // MARK: - Checks

    private func describe(_ claims: JSONObject) -> DoctorFinding {
        let audience = claims["aud"]?.stringValue ?? "?"
        let version = claims["ver"]?.stringValue ?? "?"
        let user = claims["preferred_username"]?.stringValue ?? claims["upn"]?.stringValue ?? "(no user name claim)"
        return DoctorFinding("token", .pass, "A v\(version) token for \(user), aud \(audience), issued by \(claims["iss"]?.stringValue ?? "?").")
    }

    private func issuer(_ claims: JSONObject, _ expectation: ServiceNowOIDCSettings) async -> DoctorFinding {
        let metadataURL = expectation.metadataURL
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

    private func audience(_ claims: JSONObject, _ expectation: ServiceNowOIDCSettings) -> DoctorFinding {
        let clientID = expectation.clientID
        let audiences = claims["aud"]?.stringArrayValue ?? claims["aud"]?.stringValue.map { [$0] } ?? []
        guard audiences.contains(clientID) else {
            return DoctorFinding(
                "audience", .fail,
                "The token's aud is \(audiences.joined(separator: ", ")) but the OIDC entity's Client ID is \(clientID); set the Client ID to exactly the aud value (v2 tokens carry the ServiceNow app's client id GUID, v1 tokens its api:// URI)."
            )
        }
        return DoctorFinding("audience", .pass, "The token's aud equals the OIDC entity's Client ID.")
    }

    private func userClaim(_ claims: JSONObject, _ expectation: ServiceNowOIDCSettings) -> DoctorFinding {
        guard let value = claims[expectation.userClaim]?.stringValue, !value.isEmpty else {
            let present = ["preferred_username", "upn", "email", "oid"].filter { claims[$0] != nil }
            return DoctorFinding(
                "user claim", .fail,
                "The token has no '\(expectation.userClaim)' claim, the User Claim ServiceNow reads; set User Claim to one the token has (\(present.joined(separator: ", "))) — v2 tokens carry preferred_username, v1 tokens upn."
            )
        }
        return DoctorFinding("user claim", .pass, "The token's \(expectation.userClaim) is \(value).")
    }

    private func matchingUser(_ value: String, _ expectation: ServiceNowOIDCSettings) async -> DoctorFinding {
        guard let users, let matches = await users(expectation.userField, value) else {
            return DoctorFinding(
                "user", .skipped,
                "Cannot look users up on the instance without access; make sure one active sys_user has \(expectation.userField) = \(value).")
        }
        guard matches == 1 else {
            return DoctorFinding(
                "user", .fail,
                "No single active sys_user has \(expectation.userField) = \(value); create the user, fix its \(expectation.userField), or map a claim to a field that holds it."
            )
        }
        return DoctorFinding("user", .pass, "One active sys_user has \(expectation.userField) = \(value).")
    }

    private func jti(_ claims: JSONObject, _ expectation: ServiceNowOIDCSettings) -> DoctorFinding {
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

    private func clock(_ claims: JSONObject, _ expectation: ServiceNowOIDCSettings) async -> DoctorFinding {
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

    private func tableAPI(token: Secret, findings: [DoctorFinding], expectation: ServiceNowOIDCSettings?, claims: JSONObject) async -> DoctorFinding {
        let url = "\(baseURL)/api/now/table/sys_user?sysparm_limit=1&sysparm_fields=user_name"
        guard let (status, _, body) = try? await get(url, token: token) else {
            return DoctorFinding("table api", .fail, "The instance at \(baseURL) does not answer; check the connector's base_url and the network.")
        }
        switch status {
        case 200:
            return DoctorFinding("table api", .pass, "The Table API accepted the token and answered 200.")
        case 401:
            let failed = findings.filter { $0.outcome == .fail }.map(\.check)
            let user = expectation.flatMap { expected in
                claims[expected.userClaim]?.stringValue.map { "one active sys_user has \(expected.userField) = \($0), " }
            }
            let cause =
                failed.isEmpty
                ? "no cause was found above: check that \(user ?? "")the OIDC provider configuration is active and REST API auth scopes or access policies allow this token, and that the instance's clock is right"
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

    /// The instance's time: the given clock, else the `Date` header of its answer to an anonymous request.
    private func serverTime() async -> Date? {
        if let instanceClock { return await instanceClock() }
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
