#ifndef RELFLOW_CZLIBGUARD_H
#define RELFLOW_CZLIBGUARD_H

/// 1 when the guard around zlib's inflate is the one libgit2 calls (see zlib_guard.c).
int relflow_zlib_guard_active(void);

#endif
