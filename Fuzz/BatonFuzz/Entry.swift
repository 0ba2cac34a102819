#if canImport(Glibc)
    import Glibc
#endif

/// The target this process fuzzes, chosen by `BATON_FUZZ_TARGET` before the first input.
nonisolated(unsafe) private var selected: FuzzTarget?

/// libFuzzer calls this once before fuzzing: pick the target (or list them and exit).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt
{
    let name = getenv("BATON_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget.named(name) else {
        let names = FuzzTarget.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n")
        let message = Array("set BATON_FUZZ_TARGET to one of:\n\(names)\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(name.isEmpty ? 0 : 2)
    }
    selected = target
    return 0
}

/// libFuzzer calls this with every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let selected else { return 0 }
    selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver, for the entry point SwiftPM links an executable target with.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The process's entry point as SwiftPM names it for this target: hand over to libFuzzer.
@_cdecl("BatonFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return withUnsafeMutablePointer(to: &count) { count in
        withUnsafeMutablePointer(to: &arguments) { arguments in
            runDriver(count, arguments) { data, size in testOneInput(data, size) }
        }
    }
}
