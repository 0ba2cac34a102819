import Yams

extension BatonConfiguration {
    /// The effective configuration as YAML, every key present and every secret masked.
    ///
    /// `baton config check` prints this, so an operator sees exactly what the daemon will
    /// run with after defaults, interpolation and environment overrides.
    public func renderedYAML() -> String {
        let document = mapping([
            (
                "server",
                mapping([
                    ("listen", scalar(server.listen)),
                    ("shutdown_timeout", scalar(server.shutdownTimeout)),
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
                mapping([
                    ("engine", scalar(storage.engine)),
                    ("data_dir", scalar(storage.dataDirectory)),
                    ("sqlite", mapping([("busy_timeout", scalar(storage.busyTimeout))])),
                ])
            ),
            ("agents", mapping([("dir", scalar(agents.directory))])),
        ])
        return (try? Yams.serialize(node: document)) ?? ""
    }

    private func mapping(_ pairs: [(String, Node)]) -> Node {
        Node(pairs.map { (Node($0.0), $0.1) })
    }

    private func scalar(_ value: some ConfigValue) -> Node {
        Node(value.configText)
    }
}
