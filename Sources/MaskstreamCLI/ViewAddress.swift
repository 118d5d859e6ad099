import ArgumentParser

/// `HOST:PORT` (or just `PORT`) of `--view` and `maskstream view --address`.
struct ViewAddress: Equatable {
    var host: String
    var port: Int

    init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let (host, port) = parts.count == 1 ? ("127.0.0.1", String(parts[0]))
            : (parts.dropLast().joined(separator: ":"), String(parts[parts.count - 1]))
        guard let number = Int(port), (0...65535).contains(number), !host.isEmpty else {
            throw ValidationError(
                "'\(text)' is not HOST:PORT (e.g. 127.0.0.1:8765; port 0...65535, 0 picks a free one)")
        }
        (self.host, self.port) = (host, number)
    }
}
