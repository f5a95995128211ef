// From the parsed FRR configuration (module Config, a leaf) to what the engine runs.

import BGPCore
import BGPWire
import Config

public struct ConfigConversionError: Error, CustomStringConvertible {
    public var description: String
}

extension EngineConfig {
    /// `localAddresses` pick a router-id when the file has none (FRR takes the highest IPv4 address, loopbacks aside).
    public init(_ config: BGPConfig, localAddresses: Set<IPAddress>, systemHostname: String) throws {
        var routerID = config.router.routerID
        if routerID == nil {
            routerID = localAddresses.compactMap { address -> IPv4Address? in
                if case .v4(let v4) = address, v4.rawValue >> 24 != 127 { return v4 }
                return nil
            }.max()
        }
        guard let routerID else {
            throw ConfigConversionError(description: "no 'bgp router-id' and no IPv4 address to take one from")
        }
        self.init(localAS: config.router.asn, routerID: routerID, hostname: config.hostname ?? systemHostname,
                  peers: config.resolvedNeighbors.map(PeerConfig.init),
                  listenRanges: config.resolvedListenRanges.map { ListenRange(prefix: $0.prefix, template: PeerConfig($0.template)) },
                  listenLimit: config.listenLimit,
                  gracefulRestartTime: config.router.gracefulRestart.restartTime ?? GracefulRestartConfig.defaultRestartTime,
                  clusterID: config.router.clusterID)
        enforceFirstAS = config.router.enforceFirstAS
        networks = config.router.networks
        for (family, paths) in config.router.maximumPaths {
            maximumPaths[family] = MaximumPaths(ebgp: paths.ebgp ?? MaximumPaths.frrDefault, ibgp: paths.ibgp ?? MaximumPaths.frrDefault)
        }
        multipathRelax = config.router.multipathRelax
        redistributedConnected = ConnectedRoutes.redistributed(Sockets.connectedPrefixes(), families: config.router.redistributeConnected)
        gracefulRestartTimers = GracefulRestartTimers(
            stalePathTime: config.router.gracefulRestart.stalePathTime ?? GracefulRestartConfig.defaultStalePathTime,
            selectDeferTime: config.router.gracefulRestart.selectDeferTime ?? GracefulRestartConfig.defaultSelectDeferTime)
    }
}

extension PeerConfig {
    init(_ neighbor: ResolvedNeighbor) {
        let remoteAS: BGPCore.RemoteAS
        switch neighbor.remoteAS {
        case .number(let n): remoteAS = .number(n)
        case .internal: remoteAS = .internal
        case .external: remoteAS = .external
        }
        self.init(address: neighbor.address, remoteAS: remoteAS, updateSource: neighbor.updateSource, port: neighbor.port,
                  keepalive: neighbor.keepalive, holdTime: neighbor.holdTime, connectRetry: neighbor.connectRetry,
                  passive: neighbor.passive, shutdown: neighbor.shutdown, extendedNextHop: neighbor.extendedNextHop,
                  families: neighbor.families, description: neighbor.description, isDynamic: false,
                  routeReflectorClient: neighbor.routeReflectorClient, peerGroup: neighbor.peerGroup)
        maximumPrefix = neighbor.maximumPrefix.map {
            MaximumPrefix(limit: Int($0.limit), thresholdPercent: Int($0.thresholdPercent ?? 75),
                          restart: $0.restartMinutes.map { .seconds(60 * Int($0)) }, warningOnly: $0.warningOnly)
        }
        for (family, mode) in neighbor.nextHopSelf {
            nextHopSelf[family] = mode == .force ? .force : .on
        }
        for (family, mode) in neighbor.allowAsIn {
            switch mode {
            case .origin: allowAsIn[family] = .origin
            case .occurrences(let n): allowAsIn[family] = .occurrences(Int(n))
            }
        }
        ebgpMultihop = neighbor.ebgpMultihop
        disableConnectedCheck = neighbor.disableConnectedCheck
        switch neighbor.gracefulRestart {
        case .restart: gracefulRestart = .restart
        case .helper: gracefulRestart = .helper
        case .disable: gracefulRestart = .disable
        }
    }
}
