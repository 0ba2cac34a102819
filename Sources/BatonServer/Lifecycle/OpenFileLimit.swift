import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The process's open-file limit, raised to what `server.connections.max` needs.
///
/// Every connection is a file descriptor, and many systems start a process with a soft
/// limit of 1,024 — below the default cap of 4,096 connections, so a flood would hit
/// `EMFILE` (and refuse the genuine caller too) long before the cap refused the flood. The
/// daemon raises its soft limit up to the hard limit, as Go's runtime does for every program,
/// and warns when even the hard limit is below what the cap needs.
enum OpenFileLimit {
    /// Descriptors besides connections: the stores, the log, outbound connections, the agents' apps.
    static let reserve = 512

    /// Raises the soft limit toward `connections + reserve`; returns the soft limit now in force.
    @discardableResult
    static func raise(forConnections connections: Int, logger: Logger) -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return -1 }
        let needed = rlim_t(connections + reserve)
        if limits.rlim_cur < needed, limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = min(limits.rlim_max, needed)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        if limits.rlim_cur < needed {
            logger.warning(
                "the open-file limit is below what server.connections.max needs; raise it (LimitNOFILE= in the service unit, ulimit -n)",
                metadata: ["limit": "\(limits.rlim_cur)", "needed": "\(needed)"])
        }
        return Int(limits.rlim_cur)
    }
}
