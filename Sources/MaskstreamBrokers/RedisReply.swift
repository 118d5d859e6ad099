import CHiredis

/// One Redis reply, copied out of hiredis's `redisReply` (which is freed at once).
public indirect enum RedisReply: Sendable, Equatable {
    case string(String)
    case status(String)
    case integer(Int)
    case array([RedisReply])
    case null
    /// An error reply (`ERR …`, `WRONGTYPE …`): the command failed, the connection is fine.
    case error(String)

    /// Copies a hiredis reply tree.
    init(_ reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        func text() -> String {
            guard let str = r.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: str, count: Int(r.len)), as: UTF8.self)
        }
        switch r.type {
        case CHiredis_REPLY_STRING(): self = .string(text())
        case CHiredis_REPLY_STATUS(): self = .status(text())
        case CHiredis_REPLY_ERROR(): self = .error(text())
        case CHiredis_REPLY_INTEGER(): self = .integer(Int(r.integer))
        case CHiredis_REPLY_ARRAY():
            self = .array((0..<Int(r.elements)).compactMap { i in r.element[i].map { RedisReply(UnsafePointer($0)) } })
        default: self = .null
        }
    }

    /// The text of a string or status reply.
    public var string: String? {
        switch self {
        case .string(let s), .status(let s): s
        default: nil
        }
    }

    /// The elements of an array reply (empty for anything else).
    public var elements: [RedisReply] {
        if case .array(let a) = self { return a }
        return []
    }

    /// The integer of an integer reply (or of a string holding one).
    public var integer: Int? {
        switch self {
        case .integer(let i): i
        case .string(let s): Int(s)
        default: nil
        }
    }
}
