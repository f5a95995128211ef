// Issue 17's "Must show" for the Debian package and a real systemd (docs/OPERATIONS.md, Install and Run under
// systemd, quote these tests' output):
// - the package installs with `apt install ./evpnd_*.deb` on a fresh Debian root without a Swift toolchain,
//   evpnd --version runs there, and upgrade, remove and purge leave the machine as they should;
// - under systemd booted as PID 1 over such a root, the packaged unit (all its hardening, the syscall filter
//   included) starts evpnd to active with READY=1, `systemctl reload` applies a new neighbor, a SIGSTOPped evpnd
//   is killed by the watchdog and restarted, netlink (a VXLAN device becomes a VNI), port 179 (FRR dials in)
//   and the control socket (root, a member of group evpnd, and a refused outsider) work, and
//   `systemd-analyze security` scores the unit.
// Needs root, debootstrap (or the cached root), FRR, and the package: scripts/test runs scripts/package first
// and passes its path as EVPND_DEB. Without them: SKIP, or a failure under CI=true.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct PackageSystemdTests {
    /// The upstream version in a package file name, evpnd_0.1.0-1_amd64.deb -> 0.1.0.
    static func upstreamVersion(ofPackage deb: String) -> String? {
        let parts = (deb as NSString).lastPathComponent.split(separator: "_")
        guard parts.count == 3 else { return nil }
        return parts[1].split(separator: "-").dropLast().joined(separator: "-")
    }

    /// lintian finds no error or warning, and every info tag it leaves is explained in docs/OPERATIONS.md.
    @Test func lintianLeavesOnlyExplainedTags() throws {
        guard let deb = DebianLab.ready("lintianLeavesOnlyExplainedTags", needs: ["lintian"]) else { return }
        let lintian = try run(["lintian", "--display-info", deb], check: false, timeout: 600)
        let tags = lintian.output.split(separator: "\n").filter { $0.dropFirst().hasPrefix(": evpnd") }
        print("lintian \((deb as NSString).lastPathComponent):\n" + tags.joined(separator: "\n"))
        #expect(!tags.contains { $0.hasPrefix("E:") || $0.hasPrefix("W:") }, "lintian errors or warnings:\n\(lintian.output)")
        let operations = try String(contentsOfFile: "\(DebianLab.repositoryRoot)/docs/OPERATIONS.md", encoding: .utf8)
        for tag in Set(tags.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) }) {
            #expect(operations.contains("`\(tag)`"), "lintian tag \(tag) is not explained in docs/OPERATIONS.md (Install)")
        }
    }

    @Test func packageInstallsOnAFreshDebianRoot() throws {
        guard let deb = DebianLab.ready("packageInstallsOnAFreshDebianRoot") else { return }
        var log = Transcript()
        let root = try DebianRoot(suffix: DebianLab.suffix())
        defer { root.remove() }
        log.step("fresh Debian root from scripts/lab/debian-root", root.path)

        // No Swift toolchain there: no compiler, no runtime library anywhere.
        let swift = try root.chroot(["sh", "-c", "command -v swift swiftc; find / -xdev -name 'libswiftCore*' -print"], check: false)
        #expect(swift.output.isEmpty, "a Swift toolchain or runtime in the fresh root: \(swift.output)")
        log.step("no swift, swiftc or libswiftCore in the root", swift.output.isEmpty ? "(none found)" : swift.output)

        let apt = try root.installPackage(deb)
        log.step("apt install ./\((deb as NSString).lastPathComponent)", apt)

        let version = try root.chroot(["evpnd", "--version"])
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == Self.upstreamVersion(ofPackage: deb))
        let help = try root.chroot(["evpnctl", "--help"])
        #expect(help.output.contains("USAGE: evpnctl"))
        let ldd = try root.chroot(["ldd", "/usr/sbin/evpnd", "/usr/bin/evpnctl"])
        #expect(!ldd.output.contains("not found") && !ldd.output.contains("swift"), "\(ldd.output)")
        log.step("evpnd --version; ldd", version.output + ldd.output)

        // The example configurations load in the fresh root: what the operator copies to /etc/evpnd/evpnd.conf.
        for example in ["vtep.conf", "reflector.conf"] {
            let check = try root.chroot(["evpnd", "--check", "--config", "/usr/share/doc/evpnd/examples/\(example)"], check: false)
            #expect(check.status == 0, "\(example): \(check.output)\(check.error)")
        }

        // postinst: the group, /etc/evpnd (0750) without a configuration, the unit enabled but not started
        // (no systemd runs in a chroot, and there is no configuration yet).
        #expect(try root.chroot(["getent", "group", "evpnd"], check: false).status == 0, "no evpnd group")
        let etc = try root.chroot(["stat", "-c", "%a %U:%G", "/etc/evpnd"])
        #expect(etc.output.trimmingCharacters(in: .whitespacesAndNewlines) == "750 root:root")
        #expect(!FileManager.default.fileExists(atPath: "\(root.path)/etc/evpnd/evpnd.conf"))
        let wants = "\(root.path)/etc/systemd/system/multi-user.target.wants/evpnd.service"
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: wants)) == "/lib/systemd/system/evpnd.service")
        for file in ["copyright", "changelog.Debian.gz", "OPERATIONS.md", "examples/vtep.conf", "examples/reflector.conf"] {
            #expect(FileManager.default.fileExists(atPath: "\(root.path)/usr/share/doc/evpnd/\(file)"), "missing doc \(file)")
        }
        log.step("after install", try root.chroot(["sh", "-c", "getent group evpnd; ls -l /etc/systemd/system/multi-user.target.wants/evpnd.service; ls -ld /etc/evpnd; dpkg -s evpnd | grep -E '^(Status|Version|Depends):'"]).output)

        // An upgrade (the same version again runs postinst as an upgrade) keeps all of that.
        let reinstall = try root.chroot(["sh", "-c", "cd /root && apt install -y -q -o Dpkg::Use-Pty=0 --reinstall ./\((deb as NSString).lastPathComponent)"], timeout: 600)
        #expect(reinstall.status == 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: wants)) != nil, "reinstall dropped the enablement")

        // remove: binaries and unit gone; purge: enablement state and the empty /etc/evpnd gone, the group kept.
        try root.chroot(["apt-get", "remove", "-y", "-q", "-o", "Dpkg::Use-Pty=0", "evpnd"], timeout: 300)
        #expect(!FileManager.default.fileExists(atPath: "\(root.path)/usr/sbin/evpnd"))
        #expect(!FileManager.default.fileExists(atPath: "\(root.path)/lib/systemd/system/evpnd.service"))
        try root.chroot(["apt-get", "purge", "-y", "-q", "-o", "Dpkg::Use-Pty=0", "evpnd"], timeout: 300)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: wants)) == nil, "purge left the enablement link")
        #expect(!FileManager.default.fileExists(atPath: "\(root.path)/etc/systemd/system/evpnd.service"), "purge left a mask")
        #expect(!FileManager.default.fileExists(atPath: "\(root.path)/etc/evpnd"), "purge left the empty /etc/evpnd")
        #expect(try root.chroot(["dpkg-query", "-W", "evpnd"], check: false).status != 0, "dpkg still knows evpnd after purge")
        log.step("after remove and purge", try root.chroot(["sh", "-c", "ls /etc/systemd/system/multi-user.target.wants/; ls -d /etc/evpnd 2>&1; getent group evpnd; dpkg-query -W -f '${Status}\\n' evpnd 2>&1"], check: false).output)
    }

    @Test func systemdRunsThePackagedUnit() throws {
        guard let deb = DebianLab.ready("systemdRunsThePackagedUnit", needs: ["\(Tools.frrDir)/bgpd", "vtysh"]) else { return }
        let suffix = DebianLab.suffix()
        var log = Transcript()
        let root = try DebianRoot(suffix: suffix)
        defer { root.remove() }
        log.step("fresh Debian root from scripts/lab/debian-root", root.path)
        let setup = SystemdLab(suffix: suffix, root: root)
        defer { setup.close() }
        try setup.prepare(deb: deb, log: &log)
        let systemd = try setup.boot(log: &log)
        try showUnitLifecycle(systemd, setup, log: &log)
    }

    private func showUnitLifecycle(_ systemd: BootedSystemd, _ lab: SystemdLab, log: inout Transcript) throws {
        // Enabled at install and booted, but skipped: there is no configuration yet.
        let skipped = try systemd.properties("evpnd", ["ActiveState", "ConditionResult"])
        #expect(skipped["ActiveState"] == "inactive" && skipped["ConditionResult"] == "no", "\(skipped)")
        log.step("booted without /etc/evpnd/evpnd.conf: evpnd skipped", "\(skipped)")

        // Start: Type=notify, so `systemctl start` returns once evpnd sent READY=1 (or fails).
        try lab.root.write("etc/evpnd/evpnd.conf", lab.evpndConfig(withPeer: false), mode: 0o640)
        let start = try systemd.exec(["systemctl", "start", "evpnd"], check: false)
        #expect(start.status == 0, "systemctl start: \(start.error)")
        let started = try systemd.properties("evpnd", ["ActiveState", "SubState", "StatusText", "MainPID", "NRestarts", "Type"])
        #expect(started["ActiveState"] == "active" && started["SubState"] == "running", "\(started)")
        // STATUS= from evpnd's own sd_notify ("0/0 peers established").
        #expect(started["StatusText"]?.contains("peers established") == true, "\(started)")
        let firstPID = started["MainPID"] ?? ""
        log.step("systemctl start evpnd; systemctl show -p ActiveState,SubState,StatusText,MainPID,NRestarts,Type",
                 started.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"))
        log.step("journalctl -u evpnd (start)", try systemd.exec(["journalctl", "-u", "evpnd", "-o", "short-precise", "--no-pager", "-n", "12"]).output)

        // The control socket: root:evpnd 0660 in /run/evpnd (0750, group evpnd); a member of evpnd may use it,
        // another user may not.
        let socket = try systemd.exec(["stat", "-c", "%a %U:%G %n", "/run/evpnd", "/run/evpnd/evpnd.sock"]).output
        #expect(socket.contains("750 root:evpnd /run/evpnd\n") && socket.contains("660 root:evpnd /run/evpnd/evpnd.sock"), "\(socket)")
        let member = try systemd.exec(["runuser", "-u", "operator1", "--", "evpnctl", "show", "bgp", "l2vpn", "evpn", "summary", "--json"], check: false)
        #expect(member.status == 0 && member.output.contains("\"peers\""), "member of evpnd: \(member.error)")
        let outsider = try systemd.exec(["runuser", "-u", "outsider", "--", "evpnctl", "show", "bgp", "l2vpn", "evpn", "summary"], check: false)
        #expect(outsider.status == 2, "an outsider reached the control socket: \(outsider.output)")
        log.step("control socket", socket + "operator1 (group evpnd): exit \(member.status); outsider: exit \(outsider.status): \(outsider.error)")

        // Netlink under the hardening: the VXLAN device the test made in this namespace is a VNI.
        let vni = try systemd.exec(["evpnctl", "show", "evpn", "vni"]).output
        #expect(vni.contains("vxlan100"), "\(vni)")
        log.step("evpnctl show evpn vni (netlink)", vni)

        // Reload: a new neighbor (passive, so FRR must dial evpnd's port 179) comes up; same MainPID.
        try lab.root.write("etc/evpnd/evpnd.conf", lab.evpndConfig(withPeer: true), mode: 0o640)
        let reload = try systemd.exec(["systemctl", "reload", "evpnd"], check: false)
        #expect(reload.status == 0, "systemctl reload: \(reload.error)")
        let running = try systemd.exec(["evpnctl", "show", "running-config"]).output
        #expect(running.contains("neighbor \(lab.peerAddress) remote-as 65000"), "\(running)")
        #expect(waitUntil(60, interval: 0.5) { lab.sessionState(systemd) == "Established" }, "no session with FRR after reload")
        let reloaded = try systemd.properties("evpnd", ["ActiveState", "MainPID", "StatusText"])
        #expect(reloaded["MainPID"] == firstPID && reloaded["ActiveState"] == "active", "\(reloaded)")
        _ = waitUntil(10) { (try? systemd.properties("evpnd", ["StatusText"]))?["StatusText"] == "1/1 peers established" }
        log.step("systemctl reload evpnd (neighbor \(lab.peerAddress) added)",
                 "MainPID=\(reloaded["MainPID"] ?? "") (was \(firstPID))\n"
                 + (try systemd.exec(["systemctl", "show", "evpnd", "-p", "StatusText"]).output)
                 + (try systemd.exec(["evpnctl", "show", "bgp", "l2vpn", "evpn", "summary"]).output))
        // FRR received evpnd's type-3 route for VNI 100: built from what netlink reported.
        let frrRoutes = try lab.vtysh("show bgp l2vpn evpn route")
        #expect(frrRoutes.contains("[3]:[0]:[32]:[\(lab.evpndAddress)]"), "\(frrRoutes)")
        log.step("FRR: show bgp l2vpn evpn route", frrRoutes)
        log.step("journalctl -u evpnd (reload)", try systemd.exec(["journalctl", "-u", "evpnd", "-o", "short-precise", "--no-pager", "-n", "6"]).output)

        // Watchdog: a stopped evpnd stops pinging; systemd kills it (SIGABRT) and Restart=on-failure starts a new one.
        try systemd.exec(["kill", "-STOP", firstPID])
        let restarted = waitUntil(60, interval: 0.5) {
            guard let now = try? systemd.properties("evpnd", ["MainPID", "ActiveState"]) else { return false }
            return now["ActiveState"] == "active" && now["MainPID"] != firstPID && now["MainPID"] != "0"
        }
        #expect(restarted, "the watchdog did not restart evpnd")
        let after = try systemd.properties("evpnd", ["ActiveState", "SubState", "MainPID", "NRestarts", "StatusText"])
        #expect(Int(after["NRestarts"] ?? "") ?? 0 >= 1, "\(after)")
        let journal = try systemd.exec(["journalctl", "-u", "evpnd", "-o", "short-precise", "--no-pager", "-n", "40"]).output
        #expect(journal.contains("Watchdog timeout") && journal.contains("Killing process \(firstPID) (evpnd) with signal SIGABRT"),
                "\(journal)")
        #expect(waitUntil(60, interval: 0.5) { lab.sessionState(systemd) == "Established" }, "no session with FRR after the restart")
        log.step("kill -STOP \(firstPID): watchdog (WatchdogSec=3s drop-in for the test)",
                 after.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"))
        log.step("journalctl -u evpnd (watchdog)", journal.split(separator: "\n").filter {
            $0.contains("systemd[1]") || $0.contains("watchdog") || $0.contains("Established")
        }.joined(separator: "\n"))
        log.step("systemctl status evpnd", try systemd.exec(["systemctl", "status", "evpnd", "--no-pager", "-n", "0"], check: false).output)

        // The unit's exposure score as systemd computes it.
        let security = try systemd.exec(["systemd-analyze", "security", "evpnd", "--no-pager"], check: false).output
        let overall = security.split(separator: "\n").first { $0.contains("Overall exposure level for evpnd.service") }
        // "→ Overall exposure level for evpnd.service: 2.1 OK :-)"
        let score = overall.flatMap { line in
            line.components(separatedBy: "evpnd.service: ").last?.split(separator: " ").first.flatMap { Double($0) }
        }
        #expect(score != nil && (score ?? 10) <= 3.0, "exposure: \(overall ?? "no score")")
        let lines = security.split(separator: "\n")
        log.step("systemd-analyze security evpnd: what costs (\(lines.filter { $0.contains("✓") }.count) settings pass)",
                 lines.filter { $0.contains("✗") || $0.contains("Overall exposure") }.joined(separator: "\n"))

        // The maintainer scripts under a running systemd: an upgrade restarts the running evpnd (try-restart),
        // a removal stops it.
        let beforeUpgrade = try systemd.properties("evpnd", ["MainPID"])["MainPID"] ?? ""
        let upgrade = try systemd.exec(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--reinstall",
                                        "-o", "Dpkg::Use-Pty=0", "/root/\(lab.packageName)"], check: false, timeout: 300)
        #expect(upgrade.status == 0, "\(upgrade.output)\(upgrade.error)")
        let upgraded = try systemd.properties("evpnd", ["ActiveState", "MainPID"])
        #expect(upgraded["ActiveState"] == "active" && upgraded["MainPID"] != beforeUpgrade, "\(upgraded)")
        let remove = try systemd.exec(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "-q",
                                       "-o", "Dpkg::Use-Pty=0", "evpnd"], check: false, timeout: 300)
        #expect(remove.status == 0, "\(remove.output)\(remove.error)")
        let removed = try systemd.properties("evpnd", ["ActiveState", "LoadState"])
        #expect(removed["ActiveState"] == "inactive", "\(removed)")
        log.step("under systemd: apt install --reinstall (upgrade), then apt-get remove",
                 "MainPID \(beforeUpgrade) -> \(upgraded["MainPID"] ?? "") (try-restart), then \(removed.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}

/// The network and files of the systemd test: namespace `sd` (systemd, evpnd, a bridge and VXLAN device for
/// VNI 100) and namespace `peer` (FRR's bgpd), joined by a veth pair on 10.216.17.0/24.
final class SystemdLab {
    let suffix: String
    let dir: String
    let systemdNamespace: String
    let peerNamespace: String
    let evpndAddress = "10.216.17.1"
    let peerAddress = "10.216.17.2"
    let root: DebianRoot
    private var systemd: BootedSystemd?
    private var frrStarted = false
    var frrName: String { "evpnd-sd-\(suffix)" }
    private(set) var packageName = ""

    init(suffix: String, root: DebianRoot) {
        self.suffix = suffix
        self.root = root
        dir = "/tmp/evpnd-systemd-\(suffix)"
        systemdNamespace = "evpnd-sd-\(suffix)"
        peerNamespace = "evpnd-pe-\(suffix)"
    }

    func evpndConfig(withPeer: Bool) -> String {
        (["frr defaults datacenter",
          "hostname evpnd-systemd",
          "router bgp 65000",
          " bgp router-id \(evpndAddress)",
          " no bgp default ipv4-unicast"]
         + (withPeer ? [" neighbor \(peerAddress) remote-as 65000", " neighbor \(peerAddress) passive"] : [])
         + [" address-family l2vpn evpn"]
         + (withPeer ? ["  neighbor \(peerAddress) activate"] : [])
         + ["  advertise-all-vni",
            " exit-address-family",
            "exit", ""]).joined(separator: "\n")
    }

    /// The root with the package installed, the test's users and watchdog drop-in, the namespaces and FRR.
    func prepare(deb: String, log: inout Transcript) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        _ = try root.installPackage(deb)
        packageName = (deb as NSString).lastPathComponent
        // operator1 may use evpnctl (group evpnd), outsider may not.
        try root.chroot(["useradd", "--system", "--no-create-home", "--groups", "evpnd", "operator1"])
        try root.chroot(["useradd", "--system", "--no-create-home", "outsider"])
        // The unit's 30 s watchdog, shortened for the test only.
        try root.write("etc/systemd/system/evpnd.service.d/test-watchdog.conf", "[Service]\nWatchdogSec=3s\n")
        log.step("package installed (apt install ./deb), users operator1 (group evpnd) and outsider, WatchdogSec=3s drop-in")

        try run(["ip", "netns", "add", systemdNamespace])
        try run(["ip", "netns", "add", peerNamespace])
        let (vethSystemd, vethPeer) = (String("vs\(suffix)".prefix(15)), String("vp\(suffix)".prefix(15)))
        try run(["ip", "link", "add", vethSystemd, "netns", systemdNamespace, "type", "veth", "peer", "name", vethPeer, "netns", peerNamespace])
        for (ns, veth, address) in [(systemdNamespace, vethSystemd, evpndAddress), (peerNamespace, vethPeer, peerAddress)] {
            try run(["ip", "-n", ns, "link", "set", "lo", "up"])
            try run(["ip", "-n", ns, "addr", "add", "\(address)/24", "dev", veth])
            try run(["ip", "-n", ns, "link", "set", veth, "up"])
        }
        try run(["ip", "-n", systemdNamespace, "link", "add", "br100", "type", "bridge"])
        try run(["ip", "-n", systemdNamespace, "link", "add", "vxlan100", "type", "vxlan", "id", "100", "dstport", "4789",
                 "local", evpndAddress, "nolearning"])
        try run(["ip", "-n", systemdNamespace, "link", "set", "vxlan100", "master", "br100"])
        try run(["ip", "-n", systemdNamespace, "link", "set", "vxlan100", "up"])
        try run(["ip", "-n", systemdNamespace, "link", "set", "br100", "up"])

        let frrConfig = try writeLabFile("\(dir)/frr.conf", [
            "frr defaults datacenter",
            "hostname frr-peer",
            "router bgp 65000",
            " bgp router-id \(peerAddress)",
            " no bgp default ipv4-unicast",
            " neighbor \(evpndAddress) remote-as 65000",
            " neighbor \(evpndAddress) timers 3 9",
            " neighbor \(evpndAddress) timers connect 1",
            " address-family l2vpn evpn",
            "  neighbor \(evpndAddress) activate",
            " exit-address-family",
            "exit", ""].joined(separator: "\n"))
        let runDir = "/var/run/frr/\(frrName)"
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        frrStarted = true
        try run(["chown", "frr:frr", "/var/run/frr", runDir])
        try runDaemonizing(["ip", "netns", "exec", peerNamespace, "\(Tools.frrDir)/bgpd", "-d", "-N", frrName, "-f", frrConfig,
                            "-u", "frr", "-g", "frr", "--no_zebra"], logPath: "\(dir)/bgpd-start.log")
        log.step("namespaces \(systemdNamespace) (\(evpndAddress), br100, vxlan100) and \(peerNamespace) (\(peerAddress), FRR bgpd)")
    }

    func boot(log: inout Transcript) throws -> BootedSystemd {
        let booted = try BootedSystemd(root: root, netns: systemdNamespace, consoleLog: "\(dir)/console.log")
        systemd = booted
        var state = ""
        let up = waitUntil(120, interval: 0.5) {
            state = ((try? booted.exec(["systemctl", "is-system-running"], check: false))?.output ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return state == "running" || state == "degraded"
        }
        guard up else { throw LabError("systemd did not finish booting: \(state)") }
        let failed = try booted.exec(["systemctl", "--failed", "--no-legend", "--plain"], check: false).output
        log.step("systemd booted as PID 1 (host pid \(booted.pid)): is-system-running = \(state)",
                 (try booted.exec(["systemctl", "--version"]).output.split(separator: "\n").first.map(String.init) ?? "")
                 + (failed.isEmpty ? "" : "\nfailed units:\n\(failed)"))
        return booted
    }

    /// The FRR peer's state as evpnd reports it.
    func sessionState(_ systemd: BootedSystemd) -> String? {
        guard let text = try? systemd.exec(["evpnctl", "show", "bgp", "l2vpn", "evpn", "summary", "--json"], check: false).output,
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let peers = object["peers"] as? [String: Any], let peer = peers[peerAddress] as? [String: Any] else { return nil }
        return peer["state"] as? String
    }

    func vtysh(_ command: String) throws -> String { try run(["vtysh", "-N", frrName, "-c", command]).output }

    /// Removes everything but the root (its owner removes it): systemd (SIGKILL from outside) and its cgroups,
    /// FRR, the namespaces, files.
    func close() {
        systemd?.stop()
        systemd = nil
        if frrStarted {
            if let pid = livePID(inFile: "/var/run/frr/\(frrName)/bgpd.pid") {
                kill(pid, SIGKILL)
                _ = waitUntil(5) { kill(pid, 0) != 0 }
            }
            try? FileManager.default.removeItem(atPath: "/var/run/frr/\(frrName)")
        }
        for ns in [systemdNamespace, peerNamespace] { _ = try? run(["ip", "netns", "del", ns], check: false) }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
