// The system resolver (glibc's libresolv), for DNS TXT lookups. Swift's Glibc module does
// not include <resolv.h>, and glibc renames res_ninit/res_nclose with macros, so one small
// inline function wraps the whole query with a private resolver state (thread-safe).
#include <string.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>

/// Sends one query (class IN) for `name` through the nameservers of /etc/resolv.conf,
/// without search-list expansion. Returns the response length, or -1 with `*h_error` set to
/// HOST_NOT_FOUND, NO_DATA, TRY_AGAIN or NO_RECOVERY (netdb.h). `retrans_seconds` and
/// `attempts` cap the resolver's own timeouts (resolv.conf defaults: 5 s, 2 attempts).
static inline int portico_res_query(const char *name, int type, unsigned char *answer, int answer_length,
                                    int retrans_seconds, int attempts, int *h_error) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) {
        // Nothing to close: a failed res_ninit has opened nothing we own.
        *h_error = NO_RECOVERY;
        return -2;
    }
    if (retrans_seconds > 0 && state.retrans > retrans_seconds) state.retrans = retrans_seconds;
    if (attempts > 0 && state.retry > attempts) state.retry = attempts;
    int length = res_nquery(&state, name, ns_c_in, type, answer, answer_length);
    *h_error = length < 0 ? state.res_h_errno : 0;
    res_nclose(&state);
    return length;
}
