// glibc's allocator set for a command that lives a moment (see MemoryTuning.swift).
#include <malloc.h>
#include "CZlibGuard.h"

void relflow_tune_malloc_for_short_run(void) {
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
#endif
}
