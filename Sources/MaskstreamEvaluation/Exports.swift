@_exported import MaskstreamCore
@_exported import MaskstreamMasks
