import Foundation
import NIOSSL
internal import SwiftASN1
internal import X509
import _CryptoExtras

/// A private certificate authority for the dev stack's HTTPS, kept in the data directory.
///
/// MSAL refuses `http://` authorities, so `baton dev idp --https` serves TLS with a server
/// certificate (for `localhost`, `127.0.0.1` and `::1`) signed by this CA. Clients trust
/// `ca.pem`, e.g. MSAL Python with `verify="…/dev-idp/ca.pem"`. The files are created once
/// and reused, so a trusted CA stays trusted across restarts.
public struct DevCertificateAuthority: Sendable {
    /// The directory holding `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem`.
    public let directory: String

    public var certificateAuthorityPath: String { file("ca.pem") }
    var serverCertificatePath: String { file("server.pem") }
    var serverKeyPath: String { file("server-key.pem") }

    /// Loads the CA and server certificate from `directory`, creating them (mode 0700 directory, 0600 keys) if absent.
    public static func loadOrCreate(in directory: String) throws -> DevCertificateAuthority {
        let authority = DevCertificateAuthority(directory: directory)
        if !FileManager.default.fileExists(atPath: authority.serverKeyPath) {
            try authority.create()
        }
        return authority
    }

    /// A TLS server configuration presenting the server certificate.
    public func serverTLSConfiguration() throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(file: serverCertificatePath, format: .pem)
        let key = try NIOSSLPrivateKey(file: serverKeyPath, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
    }

    private func create() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let authorityKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let authority = try Certificate.issued(
            commonName: "Baton dev CA",
            key: authorityKey,
            lifetime: 5 * 365 * 86_400,
            issuer: nil,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }
        )
        let serverKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let server = try Certificate.issued(
            commonName: "localhost",
            key: serverKey,
            lifetime: 365 * 86_400,
            issuer: (authority.subject, authorityKey),
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))),
                ])
            }
        )
        try write(authority.serializeAsPEM().pemString, to: certificateAuthorityPath, mode: 0o644)
        try write(authorityKey.pemRepresentation, to: file("ca-key.pem"), mode: 0o600)
        try write(server.serializeAsPEM().pemString, to: serverCertificatePath, mode: 0o644)
        try write(serverKey.pemRepresentation, to: serverKeyPath, mode: 0o600)
    }

    private func file(_ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    private func write(_ text: String, to path: String, mode: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
