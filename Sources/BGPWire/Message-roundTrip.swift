extension BGPMessage {
    /// The message as a round trip (encode, then decode) gives it back: EVPN NLRI of unknown route types are skipped
    /// on decoding and never sent on (RFC 7432 section 7), so the record of them is dropped from MP_REACH_NLRI and
    /// MP_UNREACH_NLRI; everything else is kept. For checking that a decoded message re-encodes faithfully.
    public var withoutSkippedRouteTypes: BGPMessage {
        guard case .update(var update) = self else { return self }
        for i in update.attributes.indices {
            switch update.attributes[i].value {
            case .mpReachNLRI(var reach):
                reach.skippedRouteTypes = []
                update.attributes[i].value = .mpReachNLRI(reach)
            case .mpUnreachNLRI(var unreach):
                unreach.skippedRouteTypes = []
                update.attributes[i].value = .mpUnreachNLRI(unreach)
            default: break
            }
        }
        return .update(update)
    }
}
