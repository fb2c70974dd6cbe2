"""`make graphiql-assets`: refresh the pinned GraphiQL browser files in graph/static/graphiql/.

The versions are pinned by graph/static/graphiql/package.json + package-lock.json (npm checks each
tarball against the lockfile's sha512). This script installs exactly them with `npm ci` in a
scratch folder, copies the minified browser builds and their licences next to the lockfile, and
writes integrity.json (sha384 per file, Subresource Integrity form) that the page's <script> and
<link> tags carry, so a changed file is refused by the browser and by tests/test_graphiql.py.
To upgrade: edit the versions in package.json, run `npm install --package-lock-only` there, then
`make graphiql-assets`, and commit the result. Serving never needs Node or the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pinned_assets import refresh

ASSETS = Path(__file__).resolve().parent.parent / "graph" / "static" / "graphiql"

# served name -> path inside node_modules
FILES = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "LICENSE.react.txt": "react/LICENSE",
    "LICENSE.react-dom.txt": "react-dom/LICENSE",
    "LICENSE.graphiql.txt": "graphiql/LICENSE",
}


def main() -> int:
    refresh(ASSETS, FILES)
    print(f"GraphiQL assets refreshed in {ASSETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
