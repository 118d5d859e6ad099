import CVulkan
import Synchronization

/// Counts the messages the Khronos validation layer reports through a debug-utils messenger.
///
/// Tests create the device with validation on and assert `errorCount == 0` after their work.
public final class ValidationMonitor: Sendable {
    private let errors = Atomic<Int>(0)
    private let warnings = Atomic<Int>(0)
    private let recent = Mutex<[String]>([])

    init() {}

    /// Validation errors reported so far.
    public var errorCount: Int { errors.load(ordering: .relaxed) }
    /// Validation warnings reported so far.
    public var warningCount: Int { warnings.load(ordering: .relaxed) }
    /// The last few error messages (at most 16), for diagnostics.
    public var recentErrors: [String] { recent.withLock { $0 } }

    func record(severity: VkDebugUtilsMessageSeverityFlagBitsEXT, message: String) {
        if severity.rawValue >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue {
            errors.add(1, ordering: .relaxed)
            recent.withLock { list in
                list.append(message)
                if list.count > 16 { list.removeFirst() }
            }
        } else if severity.rawValue >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue {
            warnings.add(1, ordering: .relaxed)
        }
    }
}

/// The C callback of the debug-utils messenger; `userData` is an unretained `ValidationMonitor`.
let validationCallback: PFN_vkDebugUtilsMessengerCallbackEXT = { severity, _, data, userData in
    guard let userData else { return VkBool32(VK_FALSE) }
    let monitor = Unmanaged<ValidationMonitor>.fromOpaque(userData).takeUnretainedValue()
    let text = data?.pointee.pMessage.map { String(cString: $0) } ?? "(no message)"
    monitor.record(severity: severity, message: text)
    return VkBool32(VK_FALSE)
}
