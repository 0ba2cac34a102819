import Foundation

// Writes a Swift file holding each migration's path and exact bytes (base64), so the
// checksum the binary computes at run time is the checksum of the file on disk.
// Usage: MigrationEmbedder OUTPUT.swift MIGRATIONS_ROOT FILE.sql...

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: MigrationEmbedder OUTPUT.swift MIGRATIONS_ROOT [FILE.sql ...]\n".utf8))
    exit(2)
}
let output = URL(fileURLWithPath: arguments[arguments.startIndex])
let root = URL(fileURLWithPath: arguments[arguments.startIndex + 1]).standardizedFileURL.path
let namePattern = /^[a-z0-9_]+\/[a-z0-9_]+\/[0-9]{4}_[a-z0-9_]+\.sql$/

var entries: [String] = []
for file in arguments.dropFirst(2).sorted() {
    let path = URL(fileURLWithPath: file).standardizedFileURL.path
    let relative = String(path.dropFirst(root.count + 1))
    guard relative.wholeMatch(of: namePattern) != nil else {
        FileHandle.standardError.write(
            Data("error: \(path): migration files must be named migrations/<engine>/<store>/NNNN_name.sql (lower case)\n".utf8))
        exit(1)
    }
    guard let contents = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("error: \(path): cannot read the file\n".utf8))
        exit(1)
    }
    entries.append("    (path: \"\(relative)\", base64: \"\(contents.base64EncodedString())\"),")
}

let source = """
    // Generated at build time by MigrationEmbedder from the package's migrations/ folder. Do not edit.

    let embeddedMigrationFiles: [(path: String, base64: String)] = [
    \(entries.joined(separator: "\n"))
    ]

    """
do {
    try Data(source.utf8).write(to: output, options: .atomic)
} catch {
    FileHandle.standardError.write(Data("error: cannot write \(output.path): \(error)\n".utf8))
    exit(1)
}
