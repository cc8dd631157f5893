"""The wheel works outside its checkout: `pip install .`, then run it from anywhere.

The wheel is built from a copy of the sources (nothing is written into the
checkout) and installed into a fresh venv that borrows the project venv's
dependencies through a `.pth` path line. Path lines do not run the project
venv's own `.pth` files, so its editable install of this checkout stays out:
every test checks that `assistant` is imported from the temporary venv. The
commands run from a folder outside the checkout with a temporary HOME, offline,
and with connections to anything but loopback refused (pytest-socket does not
reach a subprocess, so a `.pth` line in the venv installs the same guard).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.offline import go_offline
from assistant.schema import ABSTAIN_TEXT
from tests.conftest import ROOT, SEEDS, free_port, start_server

SOURCES = ("pyproject.toml", "README.md", "assistant", "prompts", "seeds")
QUESTION = "Where did Biden and Kishida meet a day before the G7 summit?"
GUARD = (
    "import pytest_socket; "
    "pytest_socket.socket_allow_hosts(['127.0.0.1', '::1'], allow_unix_socket=True)\n"
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    home: Path
    elsewhere: Path
    env: Mapping[str, str]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=self.elsewhere,
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / "bin" / "python"), "-c", code)


def _pip(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and mtime: what a write would change."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Installed:
    root = tmp_path_factory.mktemp("package")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(root), str(source))
    [wheel] = root.glob("news_assistant-*.whl")

    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # the project venv's dependencies, as path lines (its own .pth files do not run)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "_project_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    (site_packages / "zz_loopback_only.pth").write_text(GUARD)  # after the deps' path
    _pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel))

    home = root / "home"
    elsewhere = root / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    go_offline()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASSISTANT_", "OPENAI_", "PYTHON", "XDG_", "VIRTUAL_ENV"))
    }
    env |= {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        # the ONNX export of MiniLM is made once per model cache, as in the other tests
        "ASSISTANT_MODEL_CACHE_DIR": str(model_cache),
    }
    return Installed(wheel, venv, site_packages, home, elsewhere, env)


def test_wheel_holds_the_library_its_prompts_and_the_demo_articles(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "assistant").rglob("*.py")}
    assert modules - names == set(), "add the new subpackage to pyproject's packages"
    bundled = {n for n in names if n.startswith("assistant/bundled/")}
    assert bundled == {f"assistant/bundled/prompts/{p.name}" for p in ROOT.glob("prompts/*")} | {
        f"assistant/bundled/seeds/{p.name}" for p in SEEDS.iterdir()
    }
    assert not any(n.startswith(("evals/", "tests/", "benchmarks/")) for n in names)


def test_installed_package_runs_outside_the_checkout(installed: Installed) -> None:
    done = installed.run("assistant", "--help")
    assert done.returncode == 0, done.stderr
    assert "ASSISTANT_SOURCE_DIR" in done.stdout
    code = (
        "import json, sys, assistant\n"
        "from assistant import Settings, ask\n"
        "from assistant.llm.prompts import load_prompt\n"
        "s = Settings()\n"
        "print(json.dumps({'module': assistant.__file__, 'source': str(s.folder),\n"
        "  'store': str(s.persist_dir), 'prompt': load_prompt('select').label,\n"
        "  'seeds': sorted(p.name for p in s.folder.iterdir()),\n"
        "  'evals': any(m.split('.')[0] == 'evals' for m in sys.modules)}))\n"
    )
    done = installed.python(code)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert Path(seen["module"]).is_relative_to(installed.site_packages)
    assert Path(seen["source"]) == installed.site_packages / "assistant" / "bundled" / "seeds"
    assert seen["seeds"] == sorted(p.name for p in SEEDS.iterdir())
    store = installed.home / ".local" / "share" / "news-assistant" / "vectorstore"
    assert Path(seen["store"]) == store
    assert seen["prompt"].startswith("select@") and seen["evals"] is False

    done = installed.run("assistant", "eval")
    assert done.returncode == 2
    assert "the eval harness is part of the source checkout" in done.stderr


def test_installed_package_answers_from_its_demo_corpus(
    installed: Installed, small_gguf: Path
) -> None:
    before = _files(installed.site_packages)
    done = installed.run(
        "assistant", "ask", QUESTION, "--json", "--llm-backend", "local",
        "--local-model", str(small_gguf), timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout)
    shipped = installed.site_packages / "assistant" / "bundled" / "seeds"
    if answer["abstained"]:
        assert answer["text"] == ABSTAIN_TEXT and answer["citations"] == []
    else:
        assert answer["citations"]
        for c in answer["citations"]:
            text = open(shipped / c["source"], encoding="utf-8").read()
            assert text[c["start"] : c["end"]] == c["quote"]
    assert answer["chunks"] and {c["source"] for c in answer["chunks"]} <= {
        p.name for p in shipped.iterdir()
    }
    store = installed.home / ".local" / "share" / "news-assistant" / "vectorstore"
    assert any(store.iterdir()), "the store belongs in the user's data folder"
    assert _files(installed.site_packages) == before, "nothing may be written into site-packages"


@pytest.fixture
def ui_url(installed: Installed, small_gguf: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = tmp_path / "ui.log"
    cmd = ["assistant", "ui", "--port", str(port), "--local-model", str(small_gguf)]
    env = dict(installed.env) | {"XDG_DATA_HOME": str(tmp_path / "data")}
    for address in start_server(cmd, port, log, 300, cwd=installed.elsewhere, env=env):
        yield f"http://{address}/"
    assert (tmp_path / "data" / "news-assistant" / "vectorstore").is_dir()


def test_installed_ui_serves_the_chat_on_the_port_given(ui_url: str) -> None:
    with urllib.request.urlopen(ui_url, timeout=30) as page:
        assert page.status == 200
        assert "News assistant" in page.read().decode("utf-8", "replace")


def test_commands_other_than_eval_do_not_import_the_eval_harness() -> None:
    code = (
        "import sys\n"
        "from assistant.cli import build_parser\n"
        "parser = build_parser()\n"
        "for argv in (['ask', 'q'], ['ingest'], ['ui', '--port', '8080']):\n"
        "    parser.parse_args(argv)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'evals'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
