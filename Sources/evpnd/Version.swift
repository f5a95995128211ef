// The one place evpnd's version is written: `evpnd --version` prints it, and scripts/package reads it from the
// built binary for the Debian package's version (evpnd_VERSION-REVISION_amd64.deb).
let evpndVersion = "0.1.0"
