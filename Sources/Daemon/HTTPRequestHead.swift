// The few lines of HTTP/1.x the metrics endpoint needs (RFC 9112): read one request head, answer it, close.
// No keep-alive, no bodies, no chunking: a scraper sends `GET /metrics` and reads the answer; anything else
// gets a status code and the connection is closed, so a client cannot make the daemon hold more than one
// request head (at most `maxHeadLength` bytes) per connection.
//
//   request-line = method SP request-target SP HTTP-version CRLF      (RFC 9112 section 3)
//   field-line   = field-name ":" OWS field-value OWS CRLF            (RFC 9112 section 5)
//   head ends with an empty line (CRLF CRLF; a bare LF is accepted as RFC 9112 section 2.2 allows)

enum HTTPStatus: Int, Sendable {
    case ok = 200
    case badRequest = 400
    case notFound = 404
    case methodNotAllowed = 405
    case requestTimeout = 408
    case contentTooLarge = 413
    case headerFieldsTooLarge = 431
    case serviceUnavailable = 503
    case versionNotSupported = 505

    var reason: String {
        switch self {
        case .ok: return "OK"
        case .badRequest: return "Bad Request"
        case .notFound: return "Not Found"
        case .methodNotAllowed: return "Method Not Allowed"
        case .requestTimeout: return "Request Timeout"
        case .contentTooLarge: return "Content Too Large"
        case .headerFieldsTooLarge: return "Request Header Fields Too Large"
        case .serviceUnavailable: return "Service Unavailable"
        case .versionNotSupported: return "HTTP Version Not Supported"
        }
    }
}

/// A request head as far as the endpoint cares.
struct HTTPRequestHead: Equatable, Sendable {
    enum Method: String, Sendable { case get = "GET", head = "HEAD" }

    var method: Method
    /// The path of the request target, without the query.
    var path: String

    /// Longest head taken, request line and fields together.
    static let maxHeadLength = 8192

    enum Parse: Equatable {
        /// No empty line yet, and under the limit: read more.
        case incomplete
        case request(HTTPRequestHead)
        /// Answer with this status and close; the string says why (for the body and the debug log).
        case failure(HTTPStatus, String)
    }

    /// Parses the bytes received so far.
    static func parse(_ bytes: [UInt8]) -> Parse {
        guard let end = headEnd(bytes) else {
            return bytes.count > maxHeadLength ? .failure(.headerFieldsTooLarge, "request head over \(maxHeadLength) bytes")
                                               : .incomplete
        }
        guard end <= maxHeadLength else { return .failure(.headerFieldsTooLarge, "request head over \(maxHeadLength) bytes") }
        var lines: [ArraySlice<UInt8>] = bytes[..<end].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0 }
        while lines.last?.isEmpty == true { lines.removeLast() }
        // RFC 9112 section 2.2: empty lines before the request line are ignored.
        while lines.first?.isEmpty == true { lines.removeFirst() }
        guard let requestLine = lines.first else { return .failure(.badRequest, "no request line") }
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              parts.allSatisfy({ $0.allSatisfy(isVisible) }) else {
            return .failure(.badRequest, "malformed request line")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/") else { return .failure(.badRequest, "malformed request line") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .failure(.versionNotSupported, "\(version) not supported")
        }
        for field in lines.dropFirst() {
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex,
                  field[..<colon].allSatisfy(isTokenCharacter),
                  field[(colon + 1)...].allSatisfy({ $0 == 9 || $0 >= 0x20 && $0 != 0x7f }) else {
                return .failure(.badRequest, "malformed header field")
            }
            let name = String(decoding: field[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: field[(colon + 1)...].drop { $0 == 9 || $0 == 32 }.reversed().drop { $0 == 9 || $0 == 32 }.reversed(),
                               as: UTF8.self)
            // A body would be ignored and could be mistaken for a next request: refuse one.
            if name == "content-length", value != "0" { return .failure(.contentTooLarge, "a request body is not accepted") }
            if name == "transfer-encoding" { return .failure(.contentTooLarge, "a request body is not accepted") }
        }
        guard let method = Method(rawValue: String(decoding: parts[0], as: UTF8.self)) else {
            return .failure(.methodNotAllowed, "only GET and HEAD")
        }
        let target = String(decoding: parts[1], as: UTF8.self)
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        return .request(HTTPRequestHead(method: method, path: path))
    }

    /// Offset just past the empty line that ends the head, or nil.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        var i = 0
        var sawLine = false
        var lineStart = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                let length = i - lineStart
                let empty = length == 0 || (length == 1 && bytes[lineStart] == UInt8(ascii: "\r"))
                if empty && sawLine { return i + 1 }
                if !empty { sawLine = true }
                lineStart = i + 1
            }
            i += 1
        }
        return nil
    }

    private static func isVisible(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7f }

    /// RFC 9110 section 5.6.2 tchar.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

/// One response, always with `Connection: close`.
struct HTTPResponse: Sendable {
    var status: HTTPStatus
    var contentType = "text/plain; charset=utf-8"
    var body: [UInt8]
    /// HEAD: the head says how long the body would be, and no body follows.
    var omitsBody = false
    var extraFields: [(String, String)] = []

    static let exposition = "text/plain; version=0.0.4; charset=utf-8"

    static func error(_ status: HTTPStatus, _ why: String) -> HTTPResponse {
        var response = HTTPResponse(status: status, body: Array("\(status.rawValue) \(status.reason): \(why)\n".utf8))
        if status == .methodNotAllowed { response.extraFields.append(("Allow", "GET, HEAD")) }
        return response
    }

    var bytes: [UInt8] {
        var head = "HTTP/1.1 \(status.rawValue) \(status.reason)\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in extraFields { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (omitsBody ? [] : body)
    }
}
