// The counters the tests read: written as one JSON object to the stats file (atomically, by rename) while
// the tool runs, at once on SIGUSR1, and last on exit.

struct MemberStats {
    var name: String
    var carrier = false
    /// Frames received on this member and delivered to the host.
    var rx = 0
    /// Frames the host sent that left on this member.
    var tx = 0
}

struct LAGStats {
    var members: [MemberStats]
    /// Frames written to the TAP (everything received on any member).
    var toHost = 0
    /// Frames read from the TAP and sent on a member.
    var fromHost = 0
    /// Frames from the host dropped because no member had carrier.
    var dropsNoMember = 0
    /// Frames delivered to the host that repeat one delivered within the window.
    var duplicates = 0
    /// The part of `duplicates` whose first copy came through the other member.
    var duplicatesAcrossMembers = 0
    /// Frames received on a member whose source MAC is the host's own: its own traffic coming back.
    var echoes = 0
    /// How often the set of members with carrier changed.
    var carrierChanges = 0
    /// SIGUSR1 dumps written: a reader that signalled waits for this to grow, so it reads a fresh file.
    var signalDumps = 0

    func json() -> String {
        let members = members.map {
            "{\"name\":\"\($0.name)\",\"carrier\":\($0.carrier),\"rx\":\($0.rx),\"tx\":\($0.tx)}"
        }.joined(separator: ",")
        return "{\"members\":[\(members)],\"toHost\":\(toHost),\"fromHost\":\(fromHost),"
            + "\"dropsNoMember\":\(dropsNoMember),\"duplicates\":\(duplicates),"
            + "\"duplicatesAcrossMembers\":\(duplicatesAcrossMembers),\"echoes\":\(echoes),"
            + "\"carrierChanges\":\(carrierChanges),\"signalDumps\":\(signalDumps)}\n"
    }
}
