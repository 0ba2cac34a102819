import BatonConfig
import BatonServer
import Logging

/// Installs the process-wide log handler once, in the shape the configuration asks for.
enum LoggingBootstrap {
    static func install(_ settings: LogSettings) {
        let level = Logger.Level(rawValue: settings.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                switch settings.format {
                case .text: StreamLogHandler.standardError(label: label)
                case .json: JSONLogHandler(label: label)
                }
            handler.logLevel = level
            return handler
        }
    }
}
