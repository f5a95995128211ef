// Swift cannot call C variadic functions: setproctitle is wrapped in a fixed-argument inline function.
#ifndef EVPND_CBSD_SHIM_H
#define EVPND_CBSD_SHIM_H

#include <sys/types.h>
#include <bsd/unistd.h>
#include <bsd/libutil.h>

/// Sets the process title to "PROGNAME: title" (libbsd prefixes the program name).
static inline void cbsd_setproctitle(const char *title) {
    setproctitle("%s", title);
}

#endif
