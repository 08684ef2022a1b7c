#ifndef RELFLOW_CLIBDEFLATE_H
#define RELFLOW_CLIBDEFLATE_H

/* libdeflate 1.26 (decompression only, vendored: see Sources/CLibDeflate/README.md):
   whole-buffer zlib decompression, about twice as fast as zlib's inflate. */
#include "../libdeflate/libdeflate.h"

#endif
