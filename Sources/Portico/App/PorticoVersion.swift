import CPorticoVersion

/// What `portico --version` prints, backups and tenant exports record, and `/metrics` labels
/// `portico_build_info` with: `git describe` of the checkout a release was built from
/// (`scripts/build-release.sh` links it in, replacing a weak C definition — no build plugin,
/// no generated file in the tree), or `dev` for an ordinary `swift build`.
public enum PorticoVersion {
    public static let current = String(cString: portico_build_version())
}
