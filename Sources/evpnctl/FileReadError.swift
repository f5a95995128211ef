// The text `evpnctl decode` prints when its input file cannot be read. Full Foundation's localizedDescription
// wrote it before evpnctl moved to FoundationEssentials (which has no localizedDescription); these are
// swift-corelibs-foundation's words for the CocoaError codes that Data(contentsOf:) throws, so scripts
// matching the old messages keep working.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

enum FileReadError {
    static func describe(_ error: any Error) -> String {
        guard let cocoa = error as? CocoaError else { return "The operation could not be completed. \(error)" }
        let code = cocoa.code.rawValue
        guard let reason = reasons[code] else {
            return "The operation could not be completed. (NSCocoaErrorDomain error \(code).)"
        }
        return "The operation could not be completed. " + reason
    }

    /// Failure reasons by CocoaError code (the file-reading ones); other codes get Foundation's generic text.
    static let reasons: [Int: String] = [
        4: "The file doesn’t exist.",  // fileNoSuchFile
        257: "You don’t have permission.",  // fileReadNoPermission
        258: "The file name is invalid.",  // fileReadInvalidFileName
        259: "The file isn’t in the correct format.",  // fileReadCorruptFile
        260: "The file doesn’t exist.",  // fileReadNoSuchFile
        261: "The specified text encoding isn’t applicable.",  // fileReadInapplicableStringEncoding
        262: "The specified URL type isn’t supported.",  // fileReadUnsupportedScheme
        263: "The item is too large.",  // fileReadTooLarge
        264: "The text encoding of the contents couldn’t be determined.",  // fileReadUnknownStringEncoding
    ]
}
