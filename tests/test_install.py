"""m365-replay as a helpdesk PC gets it: `pipx install m365-replay`, a wheel, no checkout.

The slow test builds the sdist and the wheel (the wheel from the sdist, as `python -m build` does)
from a copy of the sources, installs the wheel into a fresh virtual environment in a temporary folder
and runs the installed command from an empty folder. Building without isolation and pointing the new
environment at this project's installed dependencies (a `.pth` line; `pip install --no-deps` of the
wheel) keeps it offline and near 30 s instead of downloading Playwright each time; a plain path line
does not run the `.pth` files of that folder, so this checkout's editable install stays switched off
there, which the test checks by importing `runner` from the empty folder.

The Windows test fakes `sys.platform == "win32"` and the folders Windows names in APPDATA and
LOCALAPPDATA, because the helpdesk's PC is Windows and this suite runs on Linux.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner import __version__
from runner.core.results import default_report_dir
from runner.run import browser
from runner.spec import config
from tests.conftest import ROOT

SOURCES = ("pyproject.toml", "README.md", "runner", "flows")
SHIPPED_FILES = ("sync-profile-photo.yaml", "check-profile-photo.yaml", "lib/open-app.yaml")


@dataclass
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    site_packages: Path
    home: Path  # an empty folder: the current folder of every command

    def bin(self, name: str) -> str:
        return str(self.venv / ("Scripts" if os.name == "nt" else "bin") / name)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER",
                            "PYTEST_CURRENT_TEST")}
        env["PATH"] = f"{Path(self.bin('python')).parent}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # nothing here may need a keyring
        return subprocess.run([self.bin(args[0]), *args[1:]], capture_output=True, text=True, env=env,
                              cwd=self.home, timeout=timeout)


def _build_and_install(tmp: Path) -> Installed:
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(subprocess.run([str(python), "-c", purelib], capture_output=True, text=True,
                                        check=True).stdout.strip())
    (site_packages / "m365-replay-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(dist.glob("m365_replay-*.whl"))
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", "--disable-pip-version-check", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr
    home = tmp / "empty"
    home.mkdir()
    return Installed(wheel, next(dist.glob("m365_replay-*.tar.gz")), venv, site_packages, home)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return _build_and_install(tmp_path_factory.mktemp("install"))


@pytest.mark.install
def test_the_sdist_and_the_wheel_carry_the_shipped_flows(installed: Installed) -> None:
    wheel_files = set(zipfile.ZipFile(installed.wheel).namelist())
    assert {f"runner/flows/{name}" for name in SHIPPED_FILES} <= wheel_files
    assert {"runner/simulator/static/converged.js", "runner/reporters/templates/report.html.j2"} <= wheel_files
    with tarfile.open(installed.sdist) as sdist:
        top = installed.sdist.name.removesuffix(".tar.gz")
        sdist_files = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
    assert {f"flows/{name}" for name in SHIPPED_FILES} <= sdist_files


@pytest.mark.install
@pytest.mark.browser
def test_the_installed_wheel_works_from_an_empty_folder(installed: Installed) -> None:
    where = installed.run("python", "-c", "import runner; print(runner.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(installed.site_packages), where.stdout + where.stderr

    version = installed.run("m365-replay", "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"m365-replay, version {__version__}"

    listing = installed.run("m365-replay", "flows")
    assert listing.returncode == 0, listing.stderr
    assert "sync-profile-photo  Sync a user's profile picture" in listing.stdout
    assert "source: https://support.microsoft.com/office/cd7196af-3ed9-42e6-b594-f51ad265fd63" in listing.stdout
    assert "input tile (string, one of OneDrive|SharePoint, default OneDrive)" in listing.stdout
    assert "lib/open-app  Open a Microsoft 365 app" in listing.stdout

    valid = installed.run("m365-replay", "validate", "sync-profile-photo")
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.startswith("sync-profile-photo: ok")

    copied = installed.run("m365-replay", "flows", "copy", "my-flows")
    assert copied.returncode == 0, copied.stderr
    assert all((installed.home / "my-flows" / name).is_file() for name in SHIPPED_FILES)
    assert installed.run("m365-replay", "validate", "my-flows/sync-profile-photo.yaml").returncode == 0

    # the pytest plugin of the installed wheel takes a shipped flow's name as well
    collected = installed.run("python", "-m", "pytest", "-p", "no:cacheprovider", "sync-profile-photo",
                              "--m365-account", "alice@contoso.com", "--collect-only", "-q")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "sync-profile-photo.yaml::sync-profile-photo[alice@contoso.com]" in collected.stdout

    demo = installed.run("m365-replay", "demo", timeout=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "2 passed, 0 failed" in demo.stdout
    assert "OneDrive loaded as adele.vance@contoso.com, own photo requested" in demo.stdout
    assert str(installed.site_packages) in demo.stdout  # the flow came from the wheel
    assert list((installed.home / "m365-replay-results").glob("*/report.json"))


# ------------------------------------------------------------------------------ Windows, faked


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "AppData" / "Local"))
    for name in ("M365_REPLAY_CONFIG", "PLAYWRIGHT_BROWSERS_PATH", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def test_on_windows_playwrights_chromium_then_edge_then_chrome(windows: Path, monkeypatch) -> None:
    monkeypatch.setattr(browser, "system_chromium",
                        lambda headless=False: "/usr/bin/chromium")  # never asked on Windows
    assert browser.launch_attempts() == [{}, {"channel": "msedge"}, {"channel": "chrome"}]
    monkeypatch.setattr(sys, "platform", "linux")
    assert browser.launch_attempts() == [{}, {"executable_path": "/usr/bin/chromium"}, {"channel": "chrome"},
                                         {"channel": "msedge"}]


def test_on_windows_config_lives_in_appdata_and_reports_in_the_current_folder(windows: Path) -> None:
    expected = windows / "AppData" / "Roaming" / "m365-replay" / "config.yaml"
    assert config.user_config_path() == expected
    assert config.find_config(None) is None
    expected.parent.mkdir(parents=True)
    expected.write_text("allowed_domains: [contoso.com]\n")
    assert config.load_config().allowed_domains == ["contoso.com"]

    report = default_report_dir()
    assert not report.is_absolute() and report.parts[0] == "m365-replay-results"
    assert not set(str(report)) & set('<>:"|?*'), "a character Windows refuses in a folder name"

    ffmpeg = browser.playwright_ffmpeg_path()  # under %LOCALAPPDATA%\ms-playwright, where Playwright puts it
    assert ffmpeg is not None
    assert Path(ffmpeg).parent.parent == windows / "AppData" / "Local" / "ms-playwright"
    assert Path(ffmpeg).name == "ffmpeg-win64.exe"
    assert "apt-get" not in browser.ffmpeg_fix(ffmpeg)


POSIX_ONLY_CALLS = {("os", name) for name in ("getuid", "geteuid", "getgid", "getegid", "fork", "killpg", "setsid",
                                                "getpgid", "setpgrp", "getpwnam")}
POSIX_ONLY_CALLS |= {("signal", name) for name in ("SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM",
                                                    "SIGCHLD", "alarm", "pause", "setitimer")}
POSIX_ONLY_MODULES = {"fcntl", "pwd", "grp", "termios", "resource", "posix"}


def test_the_package_has_no_posix_only_calls() -> None:
    """What would crash (AttributeError, ImportError) or write nowhere on the helpdesk's Windows PC."""
    found = []
    for path in sorted((ROOT / "runner").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in POSIX_ONLY_CALLS):
                found.append(f"{where}: {node.value.id}.{node.attr}")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                found += [f"{where}: import {n}" for n in names if n.split(".")[0] in POSIX_ONLY_MODULES]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/tmp"):
                found.append(f"{where}: hard-coded {node.value!r}")
    assert found == []
