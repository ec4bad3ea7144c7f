"""The Lambda packaging on small trees of fake modules: which modules and distributions a
function's archive holds, what goes in the shared layer, Lambda's size limits, and archives
that are the same bytes when built twice."""

from __future__ import annotations

import ast
import os
import zipfile
from pathlib import Path

import pytest

import package_lambdas as packaging
from package_lambdas import (
    FUNCTION_UNZIPPED_LIMIT,
    LAYER_ZIPPED_LIMIT,
    PACKAGE_DATA,
    Artifact,
    Bytecode,
    FunctionContents,
    ImportGraph,
    analyse,
    function_files,
    read_distributions,
    size_problems,
    split_layer,
    write_zip,
)

REAL_SRC = Path(__file__).resolve().parents[2] / "src"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def install_fake(site: Path, dist: str, files: dict[str, str]) -> None:
    """A distribution as pip --target leaves it: its files and a dist-info with a RECORD."""
    write(site, files)
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    record = [*files, f"{info.name}/METADATA"]
    lines = [f"{name},sha256=x,1\n" for name in record] + [f"{info.name}/RECORD,,\n"]
    (info / "RECORD").write_text("".join(lines))


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    src, site = tmp_path / "src", tmp_path / "site"
    write(
        src,
        {
            "exec_assistant/__init__.py": "",
            "exec_assistant/handlers/__init__.py": "",
            "exec_assistant/handlers/webhook.py": (
                "from typing import TYPE_CHECKING\n"
                "import slacklib\n"
                "if TYPE_CHECKING:\n"
                "    from exec_assistant import agent_factory\n"
                "def lambda_handler(event, context):\n"
                "    from exec_assistant import settings\n"
                "    return settings\n"
            ),
            "exec_assistant/handlers/agent.py": (
                "import slacklib\n"
                "def lambda_handler(event, context):\n"
                "    from exec_assistant.agent_factory import build\n"
                "    return build()\n"
            ),
            "exec_assistant/settings.py": "import pydanticish\nimport boto3\n",
            "exec_assistant/agent_factory.py": "import agentsdk\nfrom .settings import x\n",
            "exec_assistant/unused.py": "import heavy\n",
        },
    )
    install_fake(site, "slacklib", {"slacklib/__init__.py": "from . import web\n"})
    install_fake(site, "slacklib-web", {"slacklib/web.py": ""})
    install_fake(site, "pydanticish", {"pydanticish/__init__.py": "", "pydanticish/x.txt": "d"})
    install_fake(site, "agentsdk", {"agentsdk/__init__.py": "import telemetry.api\n"})
    install_fake(site, "telemetry-api", {"telemetry/api/__init__.py": ""})
    install_fake(site, "telemetry-sdk", {"telemetry/sdk/__init__.py": ""})
    install_fake(site, "heavy", {"heavy.py": ""})
    install_fake(site, "boto3", {"boto3/__init__.py": "import heavy\n"})
    return src, site


HANDLERS = {
    "webhook": "exec_assistant.handlers.webhook",
    "agent": "exec_assistant.handlers.agent",
}


def contents(src: Path, site: Path) -> dict[str, FunctionContents]:
    graph = ImportGraph([src, site])
    return {f.key: f for f in analyse(graph, HANDLERS, site)}


def test_an_import_inside_a_function_is_packaged(tree: tuple[Path, Path]) -> None:
    webhook = contents(*tree)["webhook"]
    assert "exec_assistant.settings" in webhook.project_modules
    assert "pydanticish" in webhook.distributions


def test_an_import_only_for_the_type_checker_is_not_packaged(tree: tuple[Path, Path]) -> None:
    webhook = contents(*tree)["webhook"]
    assert "exec_assistant.agent_factory" not in webhook.project_modules
    assert "agentsdk" not in webhook.distributions


def test_a_module_no_handler_reaches_is_in_no_archive(tree: tuple[Path, Path]) -> None:
    for function in contents(*tree).values():
        assert "exec_assistant.unused" not in function.project_modules
        assert "heavy" not in function.distributions


def test_what_the_lambda_runtime_provides_is_left_out_and_not_looked_into(
    tree: tuple[Path, Path],
) -> None:
    webhook = contents(*tree)["webhook"]
    assert "boto3" not in webhook.distributions
    assert webhook.provided == {"boto3"}
    assert "heavy" not in webhook.distributions  # boto3's own import


def test_a_namespace_package_brings_only_the_distributions_whose_modules_are_imported(
    tree: tuple[Path, Path],
) -> None:
    agent = contents(*tree)["agent"]
    assert "telemetry-api" in agent.distributions
    assert "telemetry-sdk" not in agent.distributions


def test_a_relative_import_inside_a_distribution_brings_the_distribution_that_holds_it(
    tree: tuple[Path, Path],
) -> None:
    assert {"slacklib", "slacklib-web"} <= contents(*tree)["webhook"].distributions


def test_the_chain_of_imports_that_pulls_a_package_in_is_named(tree: tuple[Path, Path]) -> None:
    src, site = tree
    graph = ImportGraph([src, site])
    analyse(graph, HANDLERS, site)
    assert graph.import_chain("exec_assistant.handlers.agent", "telemetry") == [
        "exec_assistant.handlers.agent",
        "exec_assistant.agent_factory",
        "agentsdk",
        "telemetry",
    ]
    assert graph.import_chain("exec_assistant.handlers.webhook", "agentsdk") is None


def test_an_import_made_from_a_string_is_packaged_when_it_is_declared(
    tmp_path: Path,
) -> None:
    src, site = tmp_path / "src", tmp_path / "site"
    write(src, {"handler.py": "import tracing\n"})
    install_fake(site, "tracing", {"tracing/__init__.py": "sdk = lazy('xraysdk')\n"})
    install_fake(site, "xraysdk", {"xraysdk/__init__.py": ""})
    undeclared = analyse(ImportGraph([src, site], hidden_imports={}), {"h": "handler"}, site)
    declared = analyse(
        ImportGraph([src, site], hidden_imports={"tracing": ("xraysdk",)}), {"h": "handler"}, site
    )
    assert "xraysdk" not in undeclared[0].distributions
    assert "xraysdk" in declared[0].distributions


def test_a_handler_module_that_does_not_exist_is_an_error(tree: tuple[Path, Path]) -> None:
    src, site = tree
    with pytest.raises(ImportError, match=r"exec_assistant\.handlers\.missing"):
        analyse(ImportGraph([src, site]), {"m": "exec_assistant.handlers.missing"}, site)


def test_the_layer_holds_what_every_function_imports_and_the_rest_stays_with_each(
    tree: tuple[Path, Path],
) -> None:
    plan = split_layer(list(contents(*tree).values()))
    webhook, agent = (next(f for f in plan.functions if f.key == k) for k in HANDLERS)
    assert plan.layer == {"slacklib", "slacklib-web", "pydanticish"}
    assert plan.own_distributions(webhook) == set()
    assert plan.own_distributions(agent) == {"agentsdk", "telemetry-api"}


def test_a_function_archive_holds_its_modules_its_data_and_its_own_distributions(
    tmp_path: Path,
) -> None:
    src, site = tmp_path / "src", tmp_path / "site"
    write(
        src,
        {
            "exec_assistant/__init__.py": "",
            "exec_assistant/configuration.py": "import agentsdk\n",
            "exec_assistant/defaults/meeting_types.yaml": "types: []\n",
            "exec_assistant/defaults/notes.txt": "not read\n",
        },
    )
    install_fake(site, "agentsdk", {"agentsdk/__init__.py": "", "agentsdk/data.json": "{}"})
    graph = ImportGraph([src, site])
    plan = split_layer(analyse(graph, {"c": "exec_assistant.configuration"}, site))
    plan = packaging.Plan(frozenset(), plan.functions)  # nothing shared with a layer
    files, groups = function_files(
        plan.functions[0], plan, read_distributions(site), graph, site, src
    )
    assert set(files) == {
        "exec_assistant/__init__.py",
        "exec_assistant/configuration.py",
        "exec_assistant/defaults/meeting_types.yaml",
        "agentsdk/__init__.py",
        "agentsdk/data.json",
        "agentsdk-1.0.dist-info/METADATA",
        "agentsdk-1.0.dist-info/RECORD",
    }
    assert groups["agentsdk/data.json"] == "agentsdk"


def test_pip_scripts_and_bytecode_are_not_part_of_a_distribution(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_fake(
        site, "tool", {"tool/__init__.py": "", "tool/__pycache__/__init__.cpython-311.pyc": ""}
    )
    info = site / "tool-1.0.dist-info" / "RECORD"
    info.write_text(info.read_text() + "../../bin/tool,,\nbin/tool,,\n")
    files = read_distributions(site)["tool"].files
    assert "tool/__init__.py" in files
    assert not [f for f in files if "bin/" in f or "__pycache__" in f]


def artifact(name: str, zipped: int, unzipped: int) -> Artifact:
    return Artifact(name, Path(f"{name}.zip"), zipped, unzipped, (("strands-agents", unzipped),))


def test_archives_within_lambdas_limits_pass() -> None:
    layer = artifact("deps", LAYER_ZIPPED_LIMIT, FUNCTION_UNZIPPED_LIMIT // 2)
    function = artifact("fn", 1, FUNCTION_UNZIPPED_LIMIT // 2)
    assert size_problems(layer, [function]) == []


def test_a_function_over_250_mb_unzipped_with_its_layer_is_refused_by_name() -> None:
    layer = artifact("deps", 10, FUNCTION_UNZIPPED_LIMIT // 2)
    small, big = artifact("small", 1, 1), artifact("big", 1, FUNCTION_UNZIPPED_LIMIT // 2 + 1)
    problems = size_problems(layer, [small, big])
    assert len(problems) == 1
    assert "the function big is 250.0 MB unzipped with the layer" in problems[0]
    assert "over Lambda's 250.0 MB" in problems[0]
    assert "strands-agents" in problems[0]


def test_a_layer_over_50_mb_zipped_is_refused() -> None:
    problems = size_problems(artifact("deps", LAYER_ZIPPED_LIMIT + 1, 1), [])
    assert problems == [
        "the layer deps is 50.0 MB zipped, over Lambda's 50.0 MB; its largest parts: "
        "strands-agents 0.0 MB"
    ]


def test_an_archive_built_twice_is_the_same_bytes(tmp_path: Path) -> None:
    write(tmp_path / "in", {"pkg/__init__.py": "X = 1\n", "pkg/data.yaml": "a: 1\n"})
    files = {name: tmp_path / "in" / name for name in ("pkg/data.yaml", "pkg/__init__.py")}
    first = write_zip(tmp_path / "a.zip", files, bytecode=Bytecode(tmp_path / "pyc1"))
    for source in files.values():
        os.utime(source, (2_000_000_000, 2_000_000_000))
    second = write_zip(
        tmp_path / "b.zip", dict(reversed(files.items())), bytecode=Bytecode(tmp_path / "pyc2")
    )
    assert first.path.read_bytes() == second.path.read_bytes()
    with zipfile.ZipFile(first.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert "pkg/__pycache__/__init__.cpython-311.pyc" in [i.filename for i in infos]
    assert first.unzipped == sum(i.file_size for i in infos)


def test_shipped_bytecode_is_used_without_its_source_timestamps(tmp_path: Path) -> None:
    write(tmp_path / "in", {"mod.py": "VALUE = 42\n"})
    archive = write_zip(
        tmp_path / "m.zip", {"mod.py": tmp_path / "in" / "mod.py"}, bytecode=Bytecode(tmp_path)
    )
    with zipfile.ZipFile(archive.path) as opened:
        pyc = opened.read("__pycache__/mod.cpython-311.pyc")
    flags = int.from_bytes(pyc[4:8], "little")
    assert flags == 0b01  # hash-based, not checked against the source


def test_every_module_that_reads_package_data_ships_its_data() -> None:
    readers = set()
    for path in (REAL_SRC / "exec_assistant").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "importlib.resources"
            ):
                readers.add(path)
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "importlib"
                and any(alias.name == "resources" for alias in node.names)
            ):
                readers.add(path)
    modules = {".".join(p.relative_to(REAL_SRC).with_suffix("").parts) for p in readers}
    assert modules
    assert modules <= set(PACKAGE_DATA)
    for patterns in PACKAGE_DATA.values():
        for pattern in patterns:
            assert list((REAL_SRC / "exec_assistant").glob(pattern)), pattern


def test_a_project_module_a_handler_imports_that_does_not_exist_is_named_with_its_importer(
    tmp_path: Path,
) -> None:
    src = tmp_path / "src"
    write(
        src,
        {
            "exec_assistant/__init__.py": "",
            "exec_assistant/adapters/__init__.py": "LOCAL = 1\n",
            "exec_assistant/settings.py": "DEFINED = 1\n",
            "exec_assistant/handler.py": (
                "from exec_assistant.settings import DEFINED\n"
                "from exec_assistant.adapters import LOCAL\n"
                "def lambda_handler(event, context):\n"
                "    from exec_assistant.adapters import dynamodb\n"
                "    import exec_assistant.gone.deeper\n"
            ),
        },
    )
    graph = ImportGraph([src])
    (function,) = analyse(graph, {"h": "exec_assistant.handler"}, None)
    assert dict(function.missing) == {
        "exec_assistant.adapters.dynamodb": {"exec_assistant.handler"},
        "exec_assistant.gone": {"exec_assistant.handler"},
    }
    problems = packaging.missing_problems(split_layer([function]))
    assert problems == [
        "exec_assistant.adapters.dynamodb does not exist; imported by exec_assistant.handler; "
        "needed by h",
        "exec_assistant.gone does not exist; imported by exec_assistant.handler; needed by h",
    ]


def test_a_relative_import_of_a_module_named_like_the_standard_librarys_is_followed(
    tmp_path: Path,
) -> None:
    src, site = tmp_path / "src", tmp_path / "site"
    write(src, {"handler.py": "import types\nimport settingslib\n"})
    install_fake(
        site,
        "settingslib",
        {
            "settingslib/__init__.py": "from .types import X\n",
            "settingslib/types.py": "import typeslib\nX = 1\n",
        },
    )
    install_fake(site, "typeslib", {"typeslib/__init__.py": ""})
    (function,) = analyse(ImportGraph([src, site]), {"h": "handler"}, site)
    assert "typeslib" in function.distributions
