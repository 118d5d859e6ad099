extension MaskstreamError.Code {
    /// The hub refused the request (401/403): the repo is private or gated, or the token is wrong.
    public static let unauthorized = MaskstreamError.Code("unauthorized")
    /// A downloaded file's size or sha256 is not what the hub announced.
    public static let corruptDownload = MaskstreamError.Code("corruptDownload")
    /// Offline (`HF_HUB_OFFLINE=1`) and the files are not in the cache.
    public static let notCached = MaskstreamError.Code("notCached")
}
