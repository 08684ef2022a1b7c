#ifndef RELFLOW_CZLIBGUARD_H
#define RELFLOW_CZLIBGUARD_H

/// 1 when the guard around zlib's inflate is the one libgit2 calls (see zlib_guard.c).
int relflow_zlib_guard_active(void);

/// 1 when libgit2's mbedTLS binds to relflow's CA loaders, which load nothing (tls_roots.c).
int relflow_tls_roots_skipped(void);

/// glibc's heaps grown 16 MiB at a time and not trimmed below 256 MiB (malloc_tuning.c).
void relflow_tune_malloc_for_short_run(void);

#endif
