#ifndef CMOSQUITTO_SHIM_H
#define CMOSQUITTO_SHIM_H
#include <mosquitto.h>

/// Enum constants Swift imports awkwardly, as plain ints.
static inline int CMosquitto_ERR_SUCCESS(void) { return MOSQ_ERR_SUCCESS; }
static inline int CMosquitto_ERR_ERRNO(void) { return MOSQ_ERR_ERRNO; }
static inline int CMosquitto_ERR_NO_CONN(void) { return MOSQ_ERR_NO_CONN; }
static inline int CMosquitto_ERR_CONN_LOST(void) { return MOSQ_ERR_CONN_LOST; }
#endif
