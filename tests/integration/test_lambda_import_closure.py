"""The import closure of the project's real handlers, over the installed dependencies: what
the Slack webhook's archive must not hold, and that the static analysis finds every module an
import of the handler really loads."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from exec_assistant.lambda_functions import BY_KEY, FUNCTIONS
from package_lambdas import RUNTIME_PROVIDED, STDLIB, ImportGraph

SRC = Path(__file__).resolve().parents[2] / "src"
SITE = Path(sysconfig.get_paths()["purelib"])
HANDLERS = [f for f in FUNCTIONS if (SRC / f"{f.module.replace('.', '/')}.py").is_file()]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> ImportGraph:
    graph = ImportGraph([SRC, SITE], cache=tmp_path_factory.mktemp("closure"))
    for function in HANDLERS:
        graph.add_root(function.module)
    return graph


@pytest.mark.parametrize("package", ["strands", "dbos"])
def test_the_slack_webhook_archive_holds_neither_strands_nor_dbos(
    graph: ImportGraph, package: str
) -> None:
    chain = graph.import_chain(BY_KEY["slack_webhook"].module, package)
    assert chain is None, f"the Slack webhook imports {package}: " + " -> ".join(chain or ())


@functools.cache
def _loaded_by_import(module: str) -> set[str]:
    """The project's and the dependencies' modules that importing `module` loads."""
    script = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps({n: getattr(m, '__file__', None) for n, m in sys.modules.items()}))\n"
    )
    # As on Lambda, where powertools' Tracer is on and loads the X-Ray SDK.
    env = {**os.environ, "PYTHONPATH": str(SRC), "AWS_LAMBDA_FUNCTION_NAME": "closure-check"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    loaded: dict[str, str | None] = json.loads(out.stdout)
    roots = (str(SRC), str(SITE))
    return {
        name
        for name, file in loaded.items()
        if file
        and file.startswith(roots)
        and name.partition(".")[0] not in RUNTIME_PROVIDED | STDLIB
        and not name.startswith("_virtualenv")
    }


@pytest.mark.slow
@pytest.mark.parametrize("key", [f.key for f in HANDLERS])
def test_every_module_a_handler_loads_on_import_is_in_its_archive(
    graph: ImportGraph, key: str
) -> None:
    module = BY_KEY[key].module
    # What the runtime's own SDK loads (botocore's urllib3) comes with the runtime.
    missed = _loaded_by_import(module) - graph.closure(module) - _loaded_by_import("boto3")
    assert not missed, f"loaded by importing {module} but not found by the analysis: {missed}"
