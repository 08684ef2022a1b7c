// A guard around zlib's inflate() for libgit2 1.5.
//
// libgit2 before 1.9.2 (libgit2/libgit2#7342) loops forever at 100% CPU on a truncated
// loose object: inflate() reports Z_BUF_ERROR with all input consumed, libgit2 treats that
// as "retry", and retries without new input. This file defines `inflate` in the executable
// (exported, so libgit2's calls bind to it) and forwards to zlib's own; a stream called
// again and again with no new input and no new output is reported as damaged
// (Z_DATA_ERROR), which libgit2 turns into an error naming the object. A caller that
// streams (more input between calls) never sees the difference.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <zlib.h>
#include "CZlibGuard.h"

typedef int (*inflate_function)(z_streamp, int);

static inflate_function real_inflate(void) {
    static inflate_function real = NULL;
    if (real == NULL) real = (inflate_function)dlsym(RTLD_NEXT, "inflate");
    return real;
}

static __thread z_streamp stuck_stream = NULL;
static __thread uLong stuck_in = 0, stuck_out = 0;
static __thread unsigned stuck_calls = 0;
static __thread int called = 0;

// More calls than any real caller makes without feeding the stream: libgit2's loop makes
// millions per second, a legitimate retry one or two.
enum { STUCK_LIMIT = 1000 };

int inflate(z_streamp strm, int flush) {
    inflate_function real = real_inflate();
    if (real == NULL) return Z_STREAM_ERROR;
    called = 1;
    int rc = real(strm, flush);
    if (rc == Z_BUF_ERROR && strm->avail_in == 0) {
        if (strm == stuck_stream && strm->total_in == stuck_in && strm->total_out == stuck_out) {
            if (++stuck_calls >= STUCK_LIMIT) {
                stuck_calls = 0;
                stuck_stream = NULL;
                strm->msg = (char *)"the compressed data ends too early (a truncated object)";
                return Z_DATA_ERROR;
            }
        } else {
            stuck_stream = strm;
            stuck_in = strm->total_in;
            stuck_out = strm->total_out;
            stuck_calls = 1;
        }
    } else {
        stuck_stream = NULL;
        stuck_calls = 0;
    }
    return rc;
}

int relflow_zlib_guard_active(void) {
    // Ask the dynamic linker which inflate libgit2 (and everyone) resolves to.
    void *resolved = dlsym(RTLD_DEFAULT, "inflate");
    return resolved == (void *)&inflate;
}
