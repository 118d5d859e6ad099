#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavdevice/avdevice.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/dict.h>
#include <libavutil/log.h>
#include <libavutil/display.h>
#include <math.h>

/// Macros become functions here so Swift can call them.
static inline int CFFmpeg_AVERROR_EOF(void) { return AVERROR_EOF; }
static inline int CFFmpeg_AVERROR_INVALIDDATA(void) { return AVERROR_INVALIDDATA; }
static inline int CFFmpeg_AVERROR_EAGAIN(void) { return AVERROR(EAGAIN); }
static inline int CFFmpeg_AVERROR_EXIT(void) { return AVERROR_EXIT; }
static inline int CFFmpeg_AVERROR_ETIMEDOUT(void) { return AVERROR(ETIMEDOUT); }
static inline int64_t CFFmpeg_AV_NOPTS_VALUE(void) { return AV_NOPTS_VALUE; }
static inline AVRational CFFmpeg_AV_TIME_BASE_Q(void) { return (AVRational){1, AV_TIME_BASE}; }
static inline int CFFmpeg_AVFMT_GLOBALHEADER(void) { return AVFMT_GLOBALHEADER; }
static inline int CFFmpeg_AV_CODEC_FLAG_GLOBAL_HEADER(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int CFFmpeg_AV_CODEC_FLAG_QSCALE(void) { return AV_CODEC_FLAG_QSCALE; }
static inline int CFFmpeg_FF_QP2LAMBDA(void) { return FF_QP2LAMBDA; }
static inline int CFFmpeg_AVFMT_NOFILE(void) { return AVFMT_NOFILE; }
static inline int CFFmpeg_AVIO_FLAG_WRITE(void) { return AVIO_FLAG_WRITE; }

/// The clockwise rotation, in whole quarter turns (0, 90, 180, 270), that a stream's display
/// matrix asks for before showing its frames, as ffmpeg's autorotate computes it; 0 without one.
static inline int CFFmpeg_display_rotation(const AVStream *stream) {
    const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!matrix) return 0;
    double theta = -av_display_rotation_get((const int32_t *)matrix);
    if (theta != theta) return 0;
    theta -= 360 * floor(theta / 360 + 0.9 / 360);
    int quarter = (int)floor(theta / 90 + 0.5) % 4;
    return quarter * 90;
}

/// Writes FFmpeg's text for an error code into buf.
static inline void CFFmpeg_av_strerror(int code, char *buf, size_t size) { av_strerror(code, buf, size); }
#endif
