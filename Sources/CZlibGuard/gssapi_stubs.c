// GSSAPI (Kerberos "Negotiate" authentication for libgit2's HTTP transport), answered with
// a failure. relflow never lets libgit2 reach a network (fetch and push go through the git
// CLI), so the one libgit2 object that calls GSSAPI (auth_negotiate) is never used. When
// libgit2 is linked statically (`make build`), these stand in for libgssapi_krb5, which would
// load seven more shared libraries on every start (~0.6 ms) for code that never runs; were it
// ever reached, authentication fails (GSS_S_FAILURE), closed. With libgit2.so (a debug build)
// they are not exported and libgit2 keeps its own. Weak: a real GSSAPI, if linked, wins.
typedef unsigned int OM_uint32;

enum { GSS_S_FAILURE = 13u << 16 };

__attribute__((weak)) void *GSS_C_NT_HOSTBASED_SERVICE = 0;

static OM_uint32 unavailable(OM_uint32 *minor_status) {
    if (minor_status) *minor_status = 0;
    return GSS_S_FAILURE;
}

// The signatures of RFC 2744, with the opaque handles as void pointers.
__attribute__((weak)) OM_uint32 gss_delete_sec_context(OM_uint32 *minor, void **context, void *output) {
    (void)context; (void)output;
    return unavailable(minor);
}

__attribute__((weak)) OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type, void *mech,
                                                   OM_uint32 *message_context, void *string) {
    (void)status; (void)type; (void)mech; (void)string;
    if (message_context) *message_context = 0;
    return unavailable(minor);
}

__attribute__((weak)) OM_uint32 gss_import_name(OM_uint32 *minor, void *name_buffer, void *name_type, void **name) {
    (void)name_buffer; (void)name_type;
    if (name) *name = 0;
    return unavailable(minor);
}

__attribute__((weak)) OM_uint32 gss_indicate_mechs(OM_uint32 *minor, void **mechs) {
    if (mechs) *mechs = 0;
    return unavailable(minor);
}

__attribute__((weak)) OM_uint32 gss_init_sec_context(OM_uint32 *minor, void *credential, void **context,
                                                     void *target, void *mech, OM_uint32 flags,
                                                     OM_uint32 time, void *bindings, void *input,
                                                     void **actual_mech, void *output,
                                                     OM_uint32 *returned_flags, OM_uint32 *time_rec) {
    (void)credential; (void)context; (void)target; (void)mech; (void)flags; (void)time;
    (void)bindings; (void)input; (void)actual_mech; (void)output; (void)returned_flags; (void)time_rec;
    return unavailable(minor);
}

__attribute__((weak)) OM_uint32 gss_release_buffer(OM_uint32 *minor, void *buffer) {
    (void)buffer;
    if (minor) *minor = 0;
    return 0;
}

__attribute__((weak)) OM_uint32 gss_release_name(OM_uint32 *minor, void **name) {
    (void)name;
    if (minor) *minor = 0;
    return 0;
}

__attribute__((weak)) OM_uint32 gss_release_oid_set(OM_uint32 *minor, void **set) {
    (void)set;
    if (minor) *minor = 0;
    return 0;
}
