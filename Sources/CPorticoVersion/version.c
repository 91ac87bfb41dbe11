#include "portico_version.h"

__attribute__((weak)) const char *portico_build_version(void) {
    return "dev";
}
