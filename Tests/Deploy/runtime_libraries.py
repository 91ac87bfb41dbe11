#!/usr/bin/python3
"""Checks that a Portico binary built with --static-swift-stdlib runs where the deploy recipes
put it: on Debian 12 with only the packages they install, without the Swift toolchain.

  Tests/Deploy/runtime_libraries.py BINARY

1. `ldd BINARY`: every library resolves, none from the Swift toolchain (/opt/swift, or
   wherever `swift` lives).
2. Each library the binary names itself (ELF NEEDED) belongs to a Debian package that the
   Containerfile's runtime stage installs by name, or that every Debian image has (Essential
   packages and apt, which debian:bookworm-slim carries, with their dependencies); every other library in
   the closure comes from one of those packages or their dependencies.
3. The same for the package list of the manual recipe in deploy/README.md.
4. The binary answers `--version` with the toolchain's directory hidden (a private mount
   namespace with an empty tmpfs over it), and with an empty environment.

docker is not needed: the runtime stage's package list is read from deploy/Containerfile,
and dpkg/apt-cache on this Debian 12 machine say which package holds which library.
Prints one line per library and `N passed, N failed` at the end.
"""

import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(command, check=True):
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return result


def toolchain_roots():
    roots = {"/opt/swift"}
    swift = shutil.which("swift")
    if swift:
        real = os.path.realpath(swift)
        # …/usr/bin/swift → the toolchain's root
        roots.add(os.path.dirname(os.path.dirname(os.path.dirname(real))))
    return {root for root in roots if root not in ("/", "/usr")}


def ldd(binary):
    libraries = {}
    problems = []
    for line in run(["ldd", binary]).stdout.splitlines():
        line = line.strip()
        if "=>" in line:
            name, _, rest = line.partition("=>")
            path = rest.strip().split(" (")[0].strip()
            if path == "not found":
                problems.append(f"{name.strip()}: not found")
            else:
                libraries[name.strip()] = path
        elif line.startswith("/"):
            libraries[os.path.basename(line.split(" (")[0])] = line.split(" (")[0]
    return libraries, problems


def needed(binary):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", binary]).stdout)


def package_of(path):
    candidates = [path, os.path.realpath(path)]
    for candidate in list(candidates):
        # Debian 12 is /usr-merged but dpkg knows some files under /lib and others under /usr/lib.
        if candidate.startswith("/usr/lib/"):
            candidates.append(candidate[len("/usr"):])
        elif candidate.startswith("/lib"):
            candidates.append("/usr" + candidate)
    for candidate in candidates:
        result = run(["dpkg", "-S", candidate], check=False)
        if result.returncode == 0:
            return result.stdout.split(":")[0].strip()
    return None


def dependency_closure(packages):
    if not packages:
        return set()
    result = run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                  "--no-breaks", "--no-replaces", "--no-enhances", *packages], check=False)
    closure = set(packages)
    for line in result.stdout.splitlines():
        line = line.strip()
        if line and not line.startswith(("Depends:", "PreDepends:", "|")) and not line.startswith("<"):
            closure.add(line.split(":")[0])
        match = re.match(r"\|?(?:Pre)?Depends: ([^<\s]+)", line)
        if match:
            closure.add(match.group(1).split(":")[0])
    return closure


def base_image_packages():
    """What debian:bookworm-slim has: the Essential packages and apt, with their dependencies.
    (Priorities are not used: container images' dpkg databases often record them as optional.)"""
    essential = {line.split()[0] for line in run(["dpkg-query", "-W", "-f", "${Package} ${Essential}\n"]).stdout.splitlines()
                 if line.endswith(" yes")}
    return dependency_closure(sorted(essential | {"apt"}))


def containerfile_runtime_packages():
    text = open(os.path.join(ROOT, "deploy", "Containerfile")).read()
    runtime = text[text.rindex("\nFROM "):]
    return install_list(runtime, "deploy/Containerfile (runtime stage)")


def readme_packages():
    text = open(os.path.join(ROOT, "deploy", "README.md")).read()
    return install_list(text, "deploy/README.md (manual recipe)")


def install_list(text, where):
    match = re.search(r"apt-get install[^\n]*?((?:\\\n|[^\n&#])*)", text)
    if not match:
        raise SystemExit(f"{where}: no `apt-get install` line")
    words = match.group(1).replace("\\\n", " ").split()
    packages = [word for word in words if re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", word)]
    if not packages:
        raise SystemExit(f"{where}: the `apt-get install` line names no package")
    return packages


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    passed, failed = 0, 0

    def check(ok, message):
        nonlocal passed, failed
        print(("ok    " if ok else "FAIL  ") + message)
        if ok:
            passed += 1
        else:
            failed += 1

    libraries, problems = ldd(binary)
    for problem in problems:
        check(False, f"ldd: {problem}")
    roots = toolchain_roots()
    for name, path in sorted(libraries.items()):
        check(not any(path.startswith(root + "/") for root in roots), f"{name} → {path} (not from the Swift toolchain)")

    base = base_image_packages()
    direct = needed(binary)
    owners = {name: package_of(path) for name, path in libraries.items()}
    for where, listed in (("Containerfile runtime stage", containerfile_runtime_packages()),
                          ("deploy/README.md manual recipe", readme_packages())):
        installed = dependency_closure(listed)
        for name in direct:
            package = owners.get(name)
            ok = package is not None and (package in listed or package in base)
            check(ok, f"{where}: {name} (NEEDED) from {package or 'no package'}: "
                      f"{'listed' if package in listed else 'in every Debian image' if package in base else 'NOT INSTALLED'}")
        for name, package in sorted(owners.items()):
            if name in direct:
                continue
            check(package is not None and (package in installed or package in base),
                  f"{where}: {name} (dependency) from {package or 'no package'}")

    # Run it without the toolchain: an empty tmpfs over each toolchain root, in a private mount namespace.
    hidden = " && ".join(f"mount -t tmpfs none {root}" for root in sorted(roots) if os.path.isdir(root))
    if os.geteuid() == 0 and shutil.which("unshare") and hidden:
        result = run(["unshare", "--mount", "--propagation", "private", "sh", "-c", f"{hidden} && exec env -i {binary} --version"],
                     check=False)
        check(result.returncode == 0 and result.stdout.strip() != "",
              f"runs with {', '.join(sorted(roots))} hidden and an empty environment: "
              f"{result.stdout.strip() or result.stderr.strip()[:300]}")
    else:
        result = run(["env", "-i", "LD_LIBRARY_PATH=", binary, "--version"], check=False)
        check(result.returncode == 0, f"runs with an empty environment (not root: toolchain not hidden): {result.stdout.strip()}")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
