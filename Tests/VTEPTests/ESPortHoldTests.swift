// ES ports held down during the startup delay and while every uplink is down, released as soon as neither.
import Testing
@testable import VTEP

struct ESPortHoldTests {
    func input(since: Duration, uplinks: Set<String> = ["up1", "up2"], up: Set<String> = ["up1", "up2"]) -> ESPortHoldInput {
        ESPortHoldInput(ports: ["server1", "server2"], uplinks: uplinks, uplinksUp: up, sinceStart: since, startupDelay: .seconds(180))
    }

    @Test(arguments: [
        (Duration.seconds(0), Set(["up1", "up2"]), Set(["startup-delay"])),
        (Duration.seconds(179), Set(["up1"]), Set(["startup-delay"])),
        (Duration.seconds(180), Set(["up1", "up2"]), Set<String>()),
        (Duration.seconds(200), Set(["up2"]), Set<String>()),
        (Duration.seconds(200), Set<String>(), Set(["uplink-down"])),
        (Duration.seconds(10), Set<String>(), Set(["startup-delay", "uplink-down"])),
    ])
    func reasons(since: Duration, up: Set<String>, expected: Set<String>) {
        let hold = ESPortHold(input(since: since, up: up))
        #expect(Set(hold.reasons.map(\.rawValue)) == expected)
        #expect(hold.heldPorts == (expected.isEmpty ? [] : ["server1", "server2"]))
    }

    @Test func noUplinkConfiguredNeverHolds() {
        let hold = ESPortHold(input(since: .seconds(500), uplinks: [], up: []))
        #expect(hold.reasons.isEmpty)
        #expect(hold.heldPorts.isEmpty)
    }

    @Test func theStartupDelaySaysWhenToLookAgain() {
        #expect(ESPortHold(input(since: .seconds(30))).decideAgainAfter == .seconds(150))
        #expect(ESPortHold(input(since: .seconds(180))).decideAgainAfter == nil)
    }

    @Test func reasonText() {
        #expect(ESPortHold(input(since: .seconds(1), up: [])).reasonText == "startup-delay, uplink-down")
        #expect(ESPortHold(input(since: .seconds(999))).reasonText == "none")
    }
}
