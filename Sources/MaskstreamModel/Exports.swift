@_exported import MaskstreamCore
