import Foundation
internal import Yams

extension BatonConfiguration {
    /// The effective configuration as YAML, every key present and every secret masked.
    ///
    /// `baton config check` prints this, so an operator sees exactly what the daemon will
    /// run with after defaults, interpolation and environment overrides.
    public func renderedYAML() -> String {
        let document = mapping([
            (
                "server",
                mapping(
                    [
                        ("listen", scalar(server.listen)),
                        ("shutdown_timeout", scalar(server.shutdownTimeout)),
                        ("memory_trim_interval", scalar(server.memoryTrimInterval)),
                    ] + (server.publicURL.map { [("public_url", scalar($0))] } ?? []) + [
                        (
                            "connections",
                            mapping([
                                ("max", scalar(server.connections.maximum)), ("max_per_peer", scalar(server.connections.maximumPerPeer)),
                                ("head_timeout", scalar(server.connections.headTimeout)),
                                ("body_timeout", scalar(server.connections.bodyTimeout)),
                                ("idle_timeout", scalar(server.connections.idleTimeout)),
                                ("write_timeout", scalar(server.connections.writeTimeout)),
                            ])
                        )
                    ])
            ),
            (
                "log",
                mapping([
                    ("level", scalar(log.level)),
                    ("format", scalar(log.format)),
                ])
            ),
            (
                "storage",
                mapping(
                    [
                        ("engine", scalar(storage.engine)),
                        ("data_dir", scalar(storage.dataDirectory)),
                        (
                            "sqlite",
                            mapping([
                                ("busy_timeout", scalar(storage.busyTimeout)), ("cache_kib", scalar(storage.cacheKiB)),
                                ("index_cache_kib", scalar(storage.indexCacheKiB)), ("max_readers", scalar(storage.maximumReaders)),
                            ])
                        ),
                    ] + (storage.checkpointLog.map { [("checkpoint_log", scalar($0))] } ?? [])
                        + (storage.ledgerOrigin.map { [("ledger_origin", scalar($0))] } ?? [])
                        + [("ledger_publish", scalar(storage.ledgerPublish)), ("checkpoint_interval", scalar(storage.checkpointInterval))]
                        + (storage.postgres.map { postgres in
                            [
                                (
                                    "postgres",
                                    mapping(
                                        [
                                            ("url", scalar(Self.withoutPassword(postgres.url))), ("schema", scalar(postgres.schema)),
                                            ("tls", scalar(postgres.tls)),
                                        ] + (postgres.password.map { [("password", scalar($0))] } ?? [])
                                            + (postgres.caFile.map { [("ca_file", scalar($0))] } ?? []) + [
                                                ("pool_size", scalar(postgres.poolSize)), ("statement_timeout", scalar(postgres.statementTimeout)),
                                                ("connect_timeout", scalar(postgres.connectTimeout)),
                                            ])
                                )
                            ]
                        } ?? [])
                        + (storage.witnesses.isEmpty
                            ? []
                            : [
                                (
                                    "witnesses",
                                    Node(
                                        storage.witnesses.map {
                                            mapping([("url", scalar(Self.withoutCredentials($0.url))), ("key", scalar($0.key))])
                                        }, Tag(.seq))
                                )
                            ])
                )
            ),
            ("agents", mapping([("dir", scalar(agents.directory))])),
            ("connectors", mapping([("dir", scalar(connectors.directory))])),
            (
                "identity",
                mapping([
                    ("audiences", list(identity.audiences)),
                    ("clock_skew", scalar(identity.clockSkew)),
                    ("max_token_size", scalar(identity.maximumTokenSize)),
                    ("key_refetch_interval", scalar(identity.keyRefetchInterval)),
                    ("key_cache_lifetime", scalar(identity.keyCacheLifetime)),
                    ("verified_token_cache", scalar(identity.verifiedTokenCacheSize)),
                    ("trusted_chain_keys", list(identity.trustedChainKeys)),
                    ("issuers", Node(identity.issuers.map(issuer))),
                ])
            ),
            (
                "vault",
                mapping([
                    ("hot_capacity", scalar(vault.hotCapacity)),
                    ("long_running_max_age", scalar(vault.longRunningMaximumAge)),
                    ("sweep_interval", scalar(vault.sweepInterval)),
                ])
            ),
            ("console", consoleNode()),
            (
                "tracing",
                mapping([
                    ("enabled", scalar(tracing.enabled)), ("endpoint", scalar(tracing.endpoint)), ("sampling", scalar(tracing.sampling)),
                    ("service_name", scalar(tracing.serviceName)), ("record_request_text", scalar(tracing.recordsRequestText)),
                    ("export_delay", scalar(tracing.exportDelay)),
                ])
            ),
        ])
        return (try? Yams.serialize(node: document)) ?? ""
    }

    private func consoleNode() -> Node {
        var pairs: [(String, Node)] = console.enabled.map { [("enabled", scalar($0))] } ?? []
        if let clientID = console.clientID { pairs.append(("client_id", scalar(clientID))) }
        if let scope = console.scope { pairs.append(("scope", scalar(scope))) }
        if let issuer = console.issuer { pairs.append(("issuer", scalar(issuer))) }
        pairs.append(("session_lifetime", scalar(console.sessionLifetime)))
        if let traceURL = console.traceURL { pairs.append(("trace_url", scalar(traceURL))) }
        return mapping(pairs)
    }

    private func issuer(_ issuer: IssuerSettings) -> Node {
        var pairs: [(String, Node)] = [("name", scalar(issuer.name)), ("type", scalar(issuer.kind))]
        if let authority = issuer.authority { pairs.append(("authority", scalar(authority))) }
        if let discoveryURL = issuer.discoveryURL { pairs.append(("discovery_url", scalar(discoveryURL))) }
        pairs += [
            ("tenants", list(issuer.tenants)), ("multi_tenant", scalar(issuer.multiTenant)), ("versions", list(issuer.versions)),
            ("algorithms", list(issuer.algorithms)),
        ]
        return mapping(pairs)
    }

    /// A URL as it may be shown: a user, password or query (where credentials hide) masked.
    /// `url` with any password masked (the user, host and parameters kept).
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "***"
    }

    static func withoutCredentials(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil || components.query != nil
        else { return url }
        if components.user != nil { components.user = "***" }
        if components.password != nil { components.password = "***" }
        if components.query != nil { components.query = "***" }
        return components.string ?? "***"
    }

    private func list(_ values: [some ConfigValue]) -> Node {
        Node(values.map(scalar), Tag(.seq), .flow)
    }

    private func mapping(_ pairs: [(String, Node)]) -> Node {
        Node(pairs.map { (Node($0.0), $0.1) })
    }

    private func scalar(_ value: some ConfigValue) -> Node {
        Node(value.configText)
    }
}
