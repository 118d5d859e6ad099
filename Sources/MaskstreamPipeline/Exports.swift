@_exported import MaskstreamCore
@_exported import MaskstreamMasks
@_exported import MaskstreamMedia
@_exported import MaskstreamModel
@_exported import MaskstreamGPU
@_exported import MaskstreamTracking
@_exported import MaskstreamBrokers
