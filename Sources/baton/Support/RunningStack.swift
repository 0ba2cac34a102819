import Foundation

/// The stack `baton dev up` is running with a data directory, as its `endpoints.json`
/// names it: how `invoke`, `doctor` and `dev token` find the daemon, the IdP and the
/// emulator without URL flags.
enum RunningStack {
    /// The endpoints `baton dev up` wrote under `dataDirectory`, if it is running there.
    static func endpoints(dataDirectory: String) -> DevStack.Endpoints? {
        let file = (dataDirectory as NSString).appendingPathComponent("endpoints.json")
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return try? JSONDecoder().decode(DevStack.Endpoints.self, from: data)
    }
}
