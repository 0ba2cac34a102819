import Foundation

/// Paths in the repository, for tests that read shipped files (`agents/`, `connectors/`).
public enum RepositoryPaths {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public static func path(_ relative: String) -> String {
        "\(root)/\(relative)"
    }
}
