#include <openssl/crypto.h>

// OpenSSL frees its global state in an atexit handler unless told not to. A process can exit
// while a pool thread is still inside libcrypto (a libpq connection's SCRAM nonce, a password
// salt, a libcurl handshake); that thread then reads freed memory and the process dies with
// SIGSEGV after everything else went right. The memory goes back to the system at exit
// anyway, so the handler is never registered. This must be OpenSSL's first initialisation, so
// it runs as a constructor, before main and before libcurl or libpq touch OpenSSL.
__attribute__((constructor)) static void portico_openssl_without_atexit_cleanup(void) {
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}
