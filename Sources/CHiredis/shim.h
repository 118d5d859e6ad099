#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/time.h>

/// Macros become functions here so Swift can call them.
static inline int CHiredis_REDIS_OK(void) { return REDIS_OK; }
static inline int CHiredis_REPLY_STRING(void) { return REDIS_REPLY_STRING; }
static inline int CHiredis_REPLY_ARRAY(void) { return REDIS_REPLY_ARRAY; }
static inline int CHiredis_REPLY_INTEGER(void) { return REDIS_REPLY_INTEGER; }
static inline int CHiredis_REPLY_NIL(void) { return REDIS_REPLY_NIL; }
static inline int CHiredis_REPLY_STATUS(void) { return REDIS_REPLY_STATUS; }
static inline int CHiredis_REPLY_ERROR(void) { return REDIS_REPLY_ERROR; }

/// A timeval of `seconds` (fractions kept to the microsecond).
static inline struct timeval CHiredis_timeval(double seconds) {
    struct timeval tv;
    tv.tv_sec = (long)seconds;
    tv.tv_usec = (long)((seconds - (double)tv.tv_sec) * 1e6);
    return tv;
}
#endif
