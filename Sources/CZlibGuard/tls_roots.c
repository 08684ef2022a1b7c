// libgit2 1.5 (Debian's, built with mbedTLS) parses the system's whole CA bundle
// (/etc/ssl/certs/ca-certificates.crt: about 140 certificates, base64 and X.509) in
// git_libgit2_init, on every run: 3 ms of a 38 ms `relflow version`. relflow never lets libgit2
// reach a network — fetch and push go through the git CLI — so it needs no CA. The loaders
// below load nothing and report success. Were libgit2 ever asked to open an https connection,
// it would find no trusted root and refuse it: failing closed, never open.
//
// How libgit2 reaches them depends on how it is linked:
// - libgit2.so (a debug build, `swift test`): the plain definitions, exported from the
//   executable like `inflate` (zlib_guard.c), are the ones the dynamic linker binds to;
// - libgit2.a (`make build`, see the Makefile): the linker's --wrap (Package.swift) sends
//   libgit2's calls to the __wrap_ definitions. The plain ones are weak so that mbedTLS's own,
//   linked in from libmbedx509.a, does not clash with them.
struct mbedtls_x509_crt;

static int called = 0;

static int load_nothing(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    called = 1;
    return 0;
}

__attribute__((weak)) int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path) {
    return load_nothing(chain, path);
}

__attribute__((weak)) int mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path) {
    return load_nothing(chain, path);
}

int __wrap_mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path) {
    return load_nothing(chain, path);
}

int __wrap_mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path) {
    return load_nothing(chain, path);
}

int relflow_tls_roots_skipped(void) {
    // libgit2 asked for its CA bundle (it does in git_libgit2_init) and got one of these.
    return called;
}

// The rest of libgit2's network set-up, skipped the same way (libgit2.a only: these are
// libgit2's internal functions, which a shared libgit2 calls within itself). git_libgit2_init
// would otherwise seed mbedTLS's random generator (HAVEGE and the timer sources: 1.4 M
// instructions) and start libssh2 and OpenSSL, on every run, hooks included; with these
// wrapped, libssh2 and OpenSSL are not linked at all. Failing closed again: were libgit2 ever
// asked for a TLS stream, a certificate location or an SSH transport, it would get an error
// that says why, never an unseeded generator.
#include <git2/errors.h>

static int refuse_network(void) {
    git_error_set_str(GIT_ERROR_NET, "relflow does not let libgit2 reach a network; fetch and push go through the git CLI");
    return -1;
}

int __wrap_git_mbedtls_stream_global_init(void) {
    return 0;
}

int __wrap_git_transport_ssh_global_init(void) {
    return 0;
}

int __wrap_git_mbedtls_stream_new(void **out, const char *host, const char *port) {
    (void)host;
    (void)port;
    if (out) *out = 0;
    return refuse_network();
}

int __wrap_git_mbedtls_stream_wrap(void **out, void *in, const char *host) {
    (void)in;
    (void)host;
    if (out) *out = 0;
    return refuse_network();
}

// GIT_OPT_SET_SSL_CERT_LOCATIONS would load certificates into the configuration the skipped
// set-up never made.
int __wrap_git_mbedtls__set_cert_location(const char *file, const char *path) {
    (void)file;
    (void)path;
    return refuse_network();
}

int __wrap_git_smart_subtransport_ssh(void **out, void *owner, void *param) {
    (void)owner;
    (void)param;
    if (out) *out = 0;
    return refuse_network();
}
