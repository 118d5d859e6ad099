import MaskstreamCore

/// A small ring of command sequences so several frames are in flight at once.
///
/// Record the same work (e.g. the forward pass, reading slot `i`'s input buffers) into
/// each slot once; per frame take `next()`, upload that slot's input, `submit()`; read a
/// slot's output after `wait()`. `next()` blocks only when the slot's previous frame is
/// still running, which bounds the frames in flight to `count`.
///
/// ```swift
/// let ring = try FrameRing(device: device, count: 3)
/// for (i, seq) in ring.slots.enumerated() { try recordForward(seq, activations[i]) }
/// let slot = try ring.next()              // waits if 3 frames are in flight
/// try inputs[slot.index].upload(bytes: rgb)
/// try slot.sequence.submit()
/// ```
public final class FrameRing {
    /// The sequences, one per slot.
    public let slots: [CommandSequence]
    private var cursor = 0

    /// Creates `count` empty sequences (2 or 3 are typical; 1 disables overlap).
    public init(device: VulkanDevice, count: Int) throws {
        guard (1 ... 16).contains(count) else {
            throw MaskstreamError(.invalidInput, "frames in flight must be between 1 and 16, got \(count)")
        }
        slots = try (0 ..< count).map { _ in try device.makeSequence() }
    }

    /// The next slot in round-robin order, after its previous submission finished.
    public func next() throws -> (index: Int, sequence: CommandSequence) {
        let index = cursor
        cursor = (cursor + 1) % slots.count
        try slots[index].wait()
        return (index, slots[index])
    }

    /// Number of slots whose submitted work may still be running.
    public var pendingCount: Int { slots.filter(\.isPending).count }

    /// Waits for every slot.
    public func waitAll() throws {
        for slot in slots { try slot.wait() }
    }
}
