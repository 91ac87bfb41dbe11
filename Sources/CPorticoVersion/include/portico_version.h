#ifndef PORTICO_VERSION_H
#define PORTICO_VERSION_H

// The version baked in at link time. This target's definition is weak and says "dev" (a plain
// `swift build`: fresh clone, tests); scripts/build-release.sh links an object file with a
// strong definition returning `git describe`, so only the final link step changes.
const char *portico_build_version(void);

#endif
