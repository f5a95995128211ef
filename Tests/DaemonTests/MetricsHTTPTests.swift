// The metrics endpoint's HTTP: request heads good and bad (each bad one gets its status), and responses.

import Testing
@testable import Daemon

struct MetricsHTTPTests {
    static let heads: [(request: String, expected: HTTPRequestHead.Parse)] = [
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", .request(HTTPRequestHead(method: .get, path: "/metrics"))),
        ("GET /metrics?x=1 HTTP/1.0\r\n\r\n", .request(HTTPRequestHead(method: .get, path: "/metrics"))),
        ("HEAD /metrics HTTP/1.1\nAccept: */*\n\n", .request(HTTPRequestHead(method: .head, path: "/metrics"))),
        ("\r\nGET / HTTP/1.1\r\n\r\n", .request(HTTPRequestHead(method: .get, path: "/"))),
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n", .incomplete),
        ("GET /met", .incomplete),
        ("GET  /metrics HTTP/1.1\r\n\r\n", .failure(.badRequest, "malformed request line")),
        ("GET /metrics\r\n\r\n", .failure(.badRequest, "malformed request line")),
        ("GET /metrics FTP/1.1\r\n\r\n", .failure(.badRequest, "malformed request line")),
        ("GET /metrics HTTP/2.0\r\n\r\n", .failure(.versionNotSupported, "HTTP/2.0 not supported")),
        ("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", .failure(.badRequest, "malformed header field")),
        ("GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n", .failure(.badRequest, "malformed header field")),
        ("GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", .failure(.badRequest, "malformed header field")),
        ("GET /metrics HTTP/1.1\r\nX: a\u{1}b\r\n\r\n", .failure(.badRequest, "malformed header field")),
        ("POST /metrics HTTP/1.1\r\n\r\n", .failure(.methodNotAllowed, "only GET and HEAD")),
        ("GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\n", .failure(.contentTooLarge, "a request body is not accepted")),
        ("GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", .failure(.contentTooLarge, "a request body is not accepted")),
        ("GET /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", .request(HTTPRequestHead(method: .get, path: "/metrics"))),
    ]

    @Test(arguments: heads)
    func requestHead(_ request: String, _ expected: HTTPRequestHead.Parse) {
        #expect(HTTPRequestHead.parse(Array(request.utf8)) == expected)
    }

    @Test func oversizedHeadIsRefusedWithOrWithoutItsEnd() {
        let field = "X-Padding: " + String(repeating: "a", count: 9000) + "\r\n"
        let unfinished = Array(("GET /metrics HTTP/1.1\r\n" + field).utf8)
        #expect(HTTPRequestHead.parse(unfinished) == .failure(.headerFieldsTooLarge, "request head over 8192 bytes"))
        let finished = Array(("GET /metrics HTTP/1.1\r\n" + field + "\r\n").utf8)
        #expect(HTTPRequestHead.parse(finished) == .failure(.headerFieldsTooLarge, "request head over 8192 bytes"))
        // Just under the limit is fine.
        let fits = "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "b", count: 8000) + "\r\n\r\n"
        #expect(HTTPRequestHead.parse(Array(fits.utf8)) == .request(HTTPRequestHead(method: .get, path: "/metrics")))
    }

    @Test func responsesCloseAndSayTheirLength() {
        let ok = HTTPResponse(status: .ok, contentType: HTTPResponse.exposition, body: Array("a 1\n".utf8))
        #expect(String(decoding: ok.bytes, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: 4\r\nConnection: close\r\n\r\na 1\n")
        var head = ok
        head.omitsBody = true
        #expect(String(decoding: head.bytes, as: UTF8.self).hasSuffix("Content-Length: 4\r\nConnection: close\r\n\r\n"))
        let refused = String(decoding: HTTPResponse.error(.methodNotAllowed, "only GET and HEAD").bytes, as: UTF8.self)
        #expect(refused.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(refused.contains("Allow: GET, HEAD\r\n"))
    }
}
