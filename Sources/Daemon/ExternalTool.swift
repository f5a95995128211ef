// Running an external command (`nft`, `ip`) to completion: posix_spawn with the input in a temporary file
// as stdin and stdout and stderr read from one pipe. Blocking: call it off the engine queue, or accept a
// few milliseconds per call (nft takes about 5 ms for evpnd's tables).

import Glibc

public struct ExternalToolResult: Hashable, Sendable {
    public var status: Int32
    /// stdout and stderr, interleaved.
    public var output: String
}

public protocol ExternalToolRunning: Sendable {
    func run(_ arguments: [String], input: String?) throws -> ExternalToolResult
}

public struct ExternalToolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
}

/// Runs the real command.
public struct SpawnedTool: ExternalToolRunning {
    public init() {}

    public func run(_ arguments: [String], input: String?) throws -> ExternalToolResult {
        guard let executable = arguments.first, executable.hasPrefix("/") else {
            throw ExternalToolError(description: "not an absolute path: \(arguments.first ?? "")")
        }
        var inputPath: String?
        if let input {
            var template = Array("/tmp/evpnd-tool.XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
            guard fd >= 0 else { throw ExternalToolError(description: "temporary file: \(Errno.current)") }
            let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let bytes = Array(input.utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard written == bytes.count else {
                unlink(path)
                throw ExternalToolError(description: "temporary file \(path): short write")
            }
            inputPath = path
        }
        defer { if let inputPath { unlink(inputPath) } }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ExternalToolError(description: "pipe: \(Errno.current)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // The daemon blocks the signals its Dispatch sources handle; the tool gets a clean mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(pipeEnds[1])
        guard status == 0 else {
            close(pipeEnds[0])
            throw ExternalToolError(description: "\(executable): \(String(cString: strerror(status)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count > 0 { output += buffer[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        close(pipeEnds[0])
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
        // WIFEXITED: the low 7 bits are zero; the status is in the next byte. A signal counts as failure.
        let code: Int32 = exitStatus & 0x7f == 0 ? (exitStatus >> 8) & 0xff : 128 + (exitStatus & 0x7f)
        return ExternalToolResult(status: code, output: String(decoding: output, as: UTF8.self))
    }
}
