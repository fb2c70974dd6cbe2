"""`make app-assets`: refresh the pinned browser modules of the web app in graph/static/app/vendor/.

The versions are pinned by graph/static/app/vendor/package.json + package-lock.json (npm checks
each tarball against the lockfile's sha512). This script installs exactly them with `npm ci` in a
scratch folder and copies the ES module builds the app imports - Preact with hooks and htm in one
file (htm's "preact/standalone" build), and graphql-ws's browser client with the one chunk it
imports - plus their licences, then writes integrity.json (sha384 of each served file), which
tests/clients/test_web_app.py checks against the files. Serving never needs Node or the network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "graph" / "static" / "app" / "vendor"

# served name -> path inside node_modules. graphql-ws's client imports its chunk by this name.
FILES = {
    "preact-htm.js": "htm/preact/standalone.module.js",
    "graphql-ws.js": "graphql-ws/dist/client.js",
    "common-CGW11Fyb.js": "graphql-ws/dist/common-CGW11Fyb.js",
    "LICENSE.htm.txt": "htm/LICENSE",
    "LICENSE.graphql-ws.txt": "graphql-ws/LICENSE.md",
}


def sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(VENDOR / name, work / name)
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work, check=True
        )
        for served, source in FILES.items():
            shutil.copy(work / "node_modules" / source, VENDOR / served)
    integrity = {name: sri(VENDOR / name) for name in FILES if not name.startswith("LICENSE")}
    (VENDOR / "integrity.json").write_text(json.dumps(integrity, indent=2) + "\n")
    print(f"Web app modules refreshed in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
