// The engine's and the VTEP's log events as swift-log metadata: what the event concerns (peer, VNI, MAC) as
// fields, so LineLogHandler prints `peer=10.0.0.2 vni=100 mac=aa:bb:cc:00:00:01` and an operator can grep one
// VNI's or one MAC's history (`journalctl -u evpnd | grep mac=aa:bb:cc:00:00:01`).

import BGPCore
import Logging

extension BGPCore.LogEvent {
    var metadata: Logger.Metadata? {
        var fields: Logger.Metadata = [:]
        if let peer { fields["peer"] = "\(peer)" }
        if let vni { fields["vni"] = "\(vni)" }
        if let mac { fields["mac"] = "\(mac)" }
        return fields.isEmpty ? nil : fields
    }
}
