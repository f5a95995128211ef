// evpnd's entry point: argument parsing only. Everything that runs lives in module Daemon, in nonisolated types:
// a closure written here would inherit main-actor isolation and trap when Dispatch runs it on the engine queue.
LostCommandLine.exitIfLost()
EvpndCommand.main()
