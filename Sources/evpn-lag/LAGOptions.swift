// The command line: `evpn-lag --tap NAME --member IF --member IF --stats FILE [--window-ms N]`.

struct LAGOptions: Equatable {
    var tap = ""
    var members: [String] = []
    var statsPath = ""
    var windowMilliseconds = 200

    static let usage = """
    usage: evpn-lag --tap NAME --member IFNAME --member IFNAME --stats FILE [--window-ms N]
      Joins the member interfaces into one TAP device NAME for the host (an emulated LAG: no bonding driver
      needed). Frames from the host leave on one member chosen by a hash of their MAC and IP addresses among
      the members with carrier; frames from any member go up to the host. Counts duplicates (the same frame
      twice within --window-ms, default 200) and echoes (frames with the TAP's own source MAC) in FILE (JSON),
      rewritten while running, on SIGUSR1 and on exit (SIGTERM, SIGINT).
    """

    struct UsageError: Error, CustomStringConvertible, Equatable {
        var description: String
    }

    init() {}

    init(arguments: [String]) throws {
        var index = 0
        func value(_ option: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(description: "\(option) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--tap": tap = try value(argument)
            case "--member": members.append(try value(argument))
            case "--stats": statsPath = try value(argument)
            case "--window-ms":
                let text = try value(argument)
                guard let number = Int(text), (1...10_000).contains(number) else {
                    throw UsageError(description: "--window-ms \(text): not a number of milliseconds in 1...10000")
                }
                windowMilliseconds = number
            default: throw UsageError(description: "unknown argument \(argument)")
            }
            index += 1
        }
        guard !tap.isEmpty else { throw UsageError(description: "--tap is required") }
        guard tap.utf8.count < 16 else { throw UsageError(description: "--tap \(tap): longer than 15 characters") }
        guard !members.isEmpty else { throw UsageError(description: "at least one --member is required") }
        guard Set(members).count == members.count else { throw UsageError(description: "a --member is named twice") }
        guard !statsPath.isEmpty else { throw UsageError(description: "--stats is required") }
    }
}
