"""The page's front-end files, from the npm registry into solara's cache of its CDN.

A solara page loads its front end -- solara's Vuetify app, RequireJS, Font Awesome -- from a CDN,
through the solara server's own proxy, which keeps each file in a cache folder
(``solara.server.settings.assets.proxy_cache_dir``, ``<venv>/share/solara/cdn``) and serves it from
there ever after. Machines that reach no CDN (this project's: only the package registries) would get a
blank page. The files are npm packages (``NAME@VERSION/path`` on the CDN is ``path`` in the package's
tarball), so :func:`ensure` fetches each one the installed solara asks for with ``npm pack`` from the npm
registry and unpacks it into that cache, once; solara then serves it as if it had proxied it. The
versions are read from solara's own page template, so they follow a solara upgrade.

``python -m sim.dashboard.assets`` fetches them ahead (``make dashboard`` does it when the page starts).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 300
_CDN_REF = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+)/")


class AssetsError(Exception):
    """The front-end files are missing and cannot be fetched; ``str()`` is one line."""


def cache_dir() -> Path:
    """Solara's cache of its CDN proxy."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def required() -> list[str]:
    """``NAME@VERSION`` of every package the installed solara's page loads from its CDN."""
    import ipyvue
    import solara.server.server as server
    from solara.server import settings

    template = (Path(server.__file__).parent / "templates" / "solara.html.j2").read_text(encoding="utf-8")
    app = "@widgetti/solara-vuetify3-app" if ipyvue.__version__.startswith("3") else "@widgetti/solara-vuetify-app"
    packages = []
    for name, version in _CDN_REF.findall(template):
        if name.startswith("@widgetti/solara-vuetify") and name != app:
            continue  # the other Vue's app
        packages.append(f"{name}@{version}")
    if settings.assets.fontawesome_enabled:
        packages.append(settings.assets.fontawesome_path.strip("/").split("/")[0])
    return list(dict.fromkeys(packages))


def missing(cache: Path | None = None) -> list[str]:
    """The required packages not in the cache yet."""
    cache = cache_dir() if cache is None else cache
    return [p for p in required() if not (cache / p / "package.json").is_file()]


def fetch(package: str, cache: Path) -> None:
    """``npm pack`` one package (``NAME@VERSION``) and unpack it into ``cache/NAME@VERSION`` whole: into a
    temporary folder beside it first, then renamed, so a folder in the cache is always complete."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError(
            f"the dashboard's front-end file {package} is not in {cache} and npm is not installed to fetch it "
            "from the npm registry; install Node.js and npm (Debian: apt-get install npm)"
        )
    target = cache / package
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        try:
            out = subprocess.run(
                [npm, "pack", package, "--pack-destination", tmp, "--silent"],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            raise AssetsError(f"npm pack {package} did not finish in {TIMEOUT_SECONDS} s") from None
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if out.returncode != 0 or not tarballs:
            why = next((line for line in out.stderr.splitlines() if "ERR" in line), out.stderr.strip()[:200])
            raise AssetsError(f"npm pack {package} failed (exit {out.returncode}): {why or 'no tarball'}")
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(tmp, filter="data")
        unpacked = Path(tmp) / "package"
        if not (unpacked / "package.json").is_file():
            raise AssetsError(f"npm pack {package}: the tarball has no package/package.json")
        try:
            unpacked.rename(target)
        except OSError:
            if not (target / "package.json").is_file():  # not another process's complete copy: a real failure
                raise


def ensure(cache: Path | None = None) -> list[str]:
    """Fetch whatever the page needs that the cache lacks; return what was fetched. Raise
    :class:`AssetsError` (one line) when something is missing and cannot be fetched."""
    cache = cache_dir() if cache is None else cache
    todo = missing(cache)
    for package in todo:
        fetch(package, cache)
    return todo


def main() -> int:
    """``python -m sim.dashboard.assets``: fetch the front-end files; one line on error (exit 1)."""
    try:
        fetched = ensure()
    except (AssetsError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"front-end files in {cache_dir()}: " + (f"fetched {', '.join(fetched)}" if fetched else "all there"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
