// The `updateErrors` object of a peer in `show bgp l2vpn evpn summary json` (evpnd only): what RFC 7606 made
// evpnd do about the peer's malformed messages since the peer was configured. docs/OPERATIONS.md explains it.

extension BGPSummary.Peer {
    public struct UpdateErrors: Codable, Hashable, Sendable {
        /// UPDATEs handled as withdrawals, and the routes they announced.
        public var treatAsWithdraw: UInt64
        public var routesWithdrawn: UInt64
        /// Attributes dropped, their routes kept.
        public var attributeDiscard: UInt64
        /// Sessions reset with a NOTIFICATION for a malformed message.
        public var sessionReset: UInt64
        /// Sessions reset because a family's NLRI could not be parsed (AFI/SAFI disable, carried out as a reset).
        public var afiSafiDisable: UInt64
        /// EVPN NLRI of unknown route types, ignored.
        public var unknownRouteTypes: UInt64
        /// "ORIGIN(1) treat-as-withdraw" -> count.
        public var byAttribute: [String: UInt64]

        public init(treatAsWithdraw: UInt64, routesWithdrawn: UInt64, attributeDiscard: UInt64, sessionReset: UInt64,
                    afiSafiDisable: UInt64, unknownRouteTypes: UInt64, byAttribute: [String: UInt64]) {
            self.treatAsWithdraw = treatAsWithdraw
            self.routesWithdrawn = routesWithdrawn
            self.attributeDiscard = attributeDiscard
            self.sessionReset = sessionReset
            self.afiSafiDisable = afiSafiDisable
            self.unknownRouteTypes = unknownRouteTypes
            self.byAttribute = byAttribute
        }
    }
}
