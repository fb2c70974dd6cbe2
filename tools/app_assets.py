"""`make app-assets`: refresh the pinned browser modules of the web app in graph/static/app/vendor/.

The versions are pinned by graph/static/app/vendor/package.json + package-lock.json (npm checks
each tarball against the lockfile's sha512). This script installs exactly them with `npm ci` in a
scratch folder and copies the ES module builds the app imports - Preact with hooks and htm in one
file (htm's "preact/standalone" build), and graphql-ws's browser client with the one chunk it
imports - plus their licences, then writes integrity.json (sha384 of each served file), which
tests/clients/test_web_app.py checks against the files. Serving never needs Node or the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pinned_assets import refresh

VENDOR = Path(__file__).resolve().parent.parent / "graph" / "static" / "app" / "vendor"

# served name -> path inside node_modules. graphql-ws's client imports its chunk by this name.
FILES = {
    "preact-htm.js": "htm/preact/standalone.module.js",
    "graphql-ws.js": "graphql-ws/dist/client.js",
    "common-CGW11Fyb.js": "graphql-ws/dist/common-CGW11Fyb.js",
    "LICENSE.htm.txt": "htm/LICENSE",
    "LICENSE.graphql-ws.txt": "graphql-ws/LICENSE.md",
}


def main() -> int:
    refresh(VENDOR, FILES)
    print(f"Web app modules refreshed in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
