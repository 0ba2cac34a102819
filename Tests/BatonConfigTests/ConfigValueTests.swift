import BatonConfig
import Testing

@Suite("Configuration scalar types")
struct ConfigValueTests {
    @Test(
        "durations parse with ms, s, m and h and print back the same way",
        arguments: [
            ("500ms", Duration.milliseconds(500)), ("5s", .seconds(5)), ("2m", .seconds(120)), ("1h", .seconds(3600)), ("1.5s", .milliseconds(1500)),
        ])
    func durations(text: String, expected: Duration) {
        #expect(Duration(configText: text) == expected)
        #expect(Duration(configText: expected.configText) == expected)
    }

    @Test("durations without a unit or negative are refused", arguments: ["5", "s", "-1s", "five seconds", ""])
    func badDurations(text: String) {
        #expect(Duration(configText: text) == nil)
    }

    @Test("listen addresses accept host:port and [ipv6]:port")
    func listenAddresses() {
        #expect(ListenAddress(configText: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(ListenAddress(configText: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(host: "::1", port: 9).description == "[::1]:9")
    }

    @Test(
        "listen addresses without a valid port or host are refused", arguments: ["localhost", ":8080", "host:70000", "host:x", "::1:80", "[::1]80"])
    func badListenAddresses(text: String) {
        #expect(ListenAddress(configText: text) == nil)
    }

    @Test("integers accept digit separators and booleans only true or false")
    func integersAndBooleans() {
        #expect(Int(configText: "1_000") == 1000)
        #expect(Bool(configText: "TRUE") == true)
        #expect(Bool(configText: "yes") == nil)
    }
}
