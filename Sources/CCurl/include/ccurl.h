#ifndef PORTICO_CCURL_H
#define PORTICO_CCURL_H

#include <curl/curl.h>
#include <stddef.h>

// A new easy handle that writes the detail of a failed call into `error_buffer`
// (CURL_ERROR_SIZE bytes, cleared here, which must outlive the handle); NULL when libcurl
// cannot allocate a handle. The mail and webhook handles start the same way.
CURL *ccurl_easy_init_reporting_errors(char *error_buffer);

// curl_easy_setopt / curl_easy_getinfo are variadic and cannot be called from Swift.
// These wrappers give each argument type its own typed entry point.

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

typedef size_t (*ccurl_io_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
CURLcode ccurl_setopt_read_function(CURL *handle, ccurl_io_callback callback);
CURLcode ccurl_setopt_write_function(CURL *handle, ccurl_io_callback callback);
CURLcode ccurl_setopt_header_function(CURL *handle, ccurl_io_callback callback);

CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode ccurl_getinfo_string(CURL *handle, CURLINFO info, const char **value);

// Stopping a transfer from another thread: once *flag is non-zero, libcurl's progress
// callback (called at least once a second, even while waiting for a reply) returns 1 and the
// transfer ends with CURLE_ABORTED_BY_CALLBACK.
CURLcode ccurl_set_abort_flag(CURL *handle, int *flag);
void ccurl_raise_abort_flag(int *flag);

#endif
