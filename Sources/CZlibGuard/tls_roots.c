// libgit2 1.5 (Debian's, built with mbedTLS) parses the system's whole CA bundle
// (/etc/ssl/certs/ca-certificates.crt: about 140 certificates, base64 and X.509) in
// git_libgit2_init, on every run: 3 ms of a 38 ms `relflow version`. relflow never lets libgit2
// reach a network — fetch and push go through the git CLI — so it needs no CA. These
// definitions, exported from the executable like `inflate` beside them, are the ones libgit2
// binds to: they load nothing and report success. Were libgit2 ever asked to open an https
// connection, it would find no trusted root and refuse it: failing closed, never open.
struct mbedtls_x509_crt;

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    return 0;
}

int mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    return 0;
}

#define _GNU_SOURCE
#include <dlfcn.h>

int relflow_tls_roots_skipped(void) {
    // Which definition libgit2 (and everyone) resolves to: this one, or mbedTLS's.
    return dlsym(RTLD_DEFAULT, "mbedtls_x509_crt_parse_file") == (void *)&mbedtls_x509_crt_parse_file;
}
