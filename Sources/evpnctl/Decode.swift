// `evpnctl decode`: reads raw BGP messages back to back (one direction of a TCP session, as
// Wireshark's "Follow TCP stream, raw" saves it, or the same as hex) and prints each message.
import ArgumentParser
import BGPWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a stream of raw BGP messages from FILE, or standard input with '-'.",
        discussion: """
            With --json, one JSON object per line per message; EVPN routes carry `rd` and `prefix` \
            as FRR writes them. The codec context (4-octet AS, ADD-PATH, extended messages) is \
            learned from the sender's OPEN when the stream has one. Exits 1 if any message failed \
            to decode, 2 if the input could not be read.
            """
    )

    @Flag(name: .long, help: "Print one JSON object per message.")
    var json = false

    @Flag(name: .long, help: "The input is hexadecimal text (whitespace and newlines ignored).")
    var hex = false

    @Flag(name: .customLong("as2"), help: "Decode with 2-octet AS numbers until an OPEN says otherwise.")
    var twoOctetAS = false

    @Argument(help: "A file of raw messages, or '-' for standard input.")
    var input: String

    func run() throws {
        var bytes: [UInt8]
        do {
            bytes = input == "-" ? try readStandardInput() : [UInt8](try Data(contentsOf: URL(fileURLWithPath: input)))
        } catch let error as StandardInputError {
            printError("evpnctl decode: cannot read \(input): \(error)")
            throw ExitCode(2)
        } catch {
            printError("evpnctl decode: cannot read \(input): \(FileReadError.describe(error))")
            throw ExitCode(2)
        }
        if hex {
            guard let decoded = Self.parseHex(bytes) else {
                printError("evpnctl decode: \(input) is not hexadecimal text")
                throw ExitCode(2)
            }
            bytes = decoded
        }
        let (messages, streamError) = MessageStreamDecoder.decodeAll(bytes, context: CodecContext(fourOctetAS: !twoOctetAS))
        var failed = streamError != nil
        for message in messages {
            if case .failure = message.result { failed = true }
            print(json ? message.json.serialized : TextRendering.render(message))
        }
        if let streamError {
            let text = json ? JSONValue.object([("error", streamError.json)]).serialized : "error: \(streamError)"
            print(text)
        }
        if failed { throw ExitCode(1) }
    }

    /// Hex text to bytes; accepts whitespace, "0x" prefixes and ':' separators (tshark's forms).
    static func parseHex(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var high: UInt8? = nil
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "0"), i + 1 < text.count, text[i + 1] | 0x20 == UInt8(ascii: "x"), high == nil {
                i += 2
                continue
            }
            i += 1
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ":"):
                guard high == nil else { return nil }
                continue
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return high == nil ? out : nil
    }
}
