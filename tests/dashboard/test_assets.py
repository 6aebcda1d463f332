"""The page's front-end files: the packages the installed solara's page asks its CDN for, fetched from the
npm registry into a cache laid out as solara's CDN proxy keeps it; a failure is one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.dashboard import assets

from .helpers import unavailable


def test_the_packages_are_those_solaras_page_loads():
    # imported here, not at collection: solara's server starts threads on import, and a process with
    # threads no longer forks its workers (the calibration sampler's and replications' tests expect forks)
    import solara.server.server as server

    template = (Path(server.__file__).parent / "templates" / "solara.html.j2").read_text()
    needed = assets.required()
    assert any(p.startswith("requirejs@") for p in needed)
    assert any(p.startswith("@widgetti/solara-vuetify") for p in needed)
    for package in needed:
        assert f"/{package}/" in template or package.startswith("font-awesome@")


def needs_npm() -> None:
    if shutil.which("npm") is None:
        unavailable("npm is not installed (Debian: apt-get install npm)")


def test_a_package_is_unpacked_whole_where_solaras_proxy_looks(tmp_path):
    needs_npm()
    assets.fetch("requirejs@2.3.6", tmp_path)  # small (250 kB), and npm's cache keeps it after the first time
    assert (tmp_path / "requirejs@2.3.6" / "require.js").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["requirejs@2.3.6"]  # no temporary folder left
    assert "requirejs@2.3.6" not in assets.missing(tmp_path)


def test_without_npm_a_missing_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    with pytest.raises(assets.AssetsError) as e:
        assets.ensure(tmp_path)
    assert "npm is not installed" in str(e.value) and "\n" not in str(e.value)
    assert not list(tmp_path.iterdir())


def test_a_package_npm_cannot_find_is_one_line(tmp_path):
    needs_npm()
    with pytest.raises(assets.AssetsError) as e:
        assets.fetch("@widgetti/no-such-package-for-this-test@0.0.1", tmp_path)
    assert str(e.value).startswith("npm pack @widgetti/no-such-package-for-this-test@0.0.1 failed")
    assert "\n" not in str(e.value) and not (tmp_path / "@widgetti" / "no-such-package-for-this-test@0.0.1").exists()
