import BatonIdentity
import Foundation
import Hummingbird

/// `/_dev/…`: the dev identity provider's test knobs over HTTP, for manual testing and
/// for other processes. Tests in this package call the provider's methods directly.
///
/// | route | effect |
/// |---|---|
/// | `POST /_dev/rotate-keys` | publish a new signing key and sign with it |
/// | `POST /_dev/clock?offset_seconds=N` | shift the provider's clock |
/// | `POST /_dev/challenge?resource=APP[&claims=JSON]` / `DELETE` | force / clear a claims challenge on OBO to APP |
/// | `POST /_dev/throttle?count=N&retry_after=S` | answer the next N token requests 429 |
/// | `POST /_dev/unavailable?enabled=true\|false` | answer 503 everywhere but `/_dev` |
struct DevKnobRoutes: Sendable {
    let provider: DevIdentityProvider

    func register(on router: Router<BasicRequestContext>) {
        let knobs = router.group("_dev")
        knobs.post("rotate-keys") { _, _ in
            try await provider.rotateSigningKey()
            return IdentityProviderRoutes.json(.ok, ["active_kid": .string(await provider.activeKeyID)])
        }
        knobs.post("clock") { request, _ in
            let offset = try request.uri.queryParameters.require("offset_seconds", as: Int.self)
            await provider.setClockOffset(.seconds(offset))
            return IdentityProviderRoutes.json(.ok, ["offset_seconds": .integer(Int64(offset))])
        }
        knobs.post("challenge") { request, _ in
            let resource = try request.uri.queryParameters.require("resource")
            let claims = request.uri.queryParameters.get("claims") ?? #"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#
            await provider.forceClaimsChallenge(for: resource, claims: claims)
            return IdentityProviderRoutes.json(.ok, ["resource": .string(resource), "claims": .string(claims)])
        }
        knobs.delete("challenge") { request, _ in
            let resource = try request.uri.queryParameters.require("resource")
            await provider.forceClaimsChallenge(for: resource, claims: nil)
            return IdentityProviderRoutes.json(.ok, ["resource": .string(resource)])
        }
        knobs.post("throttle") { request, _ in
            let count = try request.uri.queryParameters.require("count", as: Int.self)
            let retryAfter = request.uri.queryParameters.get("retry_after", as: Int.self) ?? 1
            await provider.throttle(next: count, retryAfter: retryAfter)
            return IdentityProviderRoutes.json(.ok, ["count": .integer(Int64(count)), "retry_after": .integer(Int64(retryAfter))])
        }
        knobs.post("unavailable") { request, _ in
            let enabled = try request.uri.queryParameters.require("enabled", as: Bool.self)
            await provider.setUnavailable(enabled)
            return IdentityProviderRoutes.json(.ok, ["enabled": .bool(enabled)])
        }
    }
}
