"""What the two asset scripts share: install a folder's pinned npm packages with `npm ci` in a
scratch folder (npm checks each tarball against the lockfile's sha512), copy the files a page
serves next to the lockfile, and write integrity.json (sha384 per served file, Subresource
Integrity form; licences are copied but not listed)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path


def sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def refresh(folder: Path, files: Mapping[str, str]) -> None:
    """`files`: served name -> path inside node_modules."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(folder / name, work / name)
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work, check=True
        )
        for served, source in files.items():
            shutil.copy(work / "node_modules" / source, folder / served)
    integrity = {name: sri(folder / name) for name in files if not name.startswith("LICENSE")}
    (folder / "integrity.json").write_text(json.dumps(integrity, indent=2) + "\n")
