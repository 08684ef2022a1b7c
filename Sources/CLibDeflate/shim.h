#ifndef RELFLOW_CLIBDEFLATE_SHIM_H
#define RELFLOW_CLIBDEFLATE_SHIM_H

/* libdeflate: whole-buffer zlib decompression, about twice as fast as zlib's inflate. */
#include <libdeflate.h>

#endif
