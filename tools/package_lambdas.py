"""Build the Lambda deployment's archives: one zip per function of
`exec_assistant.lambda_functions.FUNCTIONS` and one shared dependency layer, for arm64 and
Python 3.11.

How a function's contents are chosen
------------------------------------
Each handler module's static import closure (modulefinder, so imports inside functions count
too; `if TYPE_CHECKING:` blocks do not, they never run) over the project's `src/` and the
dependencies pip installed for the target platform. The function's zip holds the
`exec_assistant` modules of its closure (module by module) and the package data those modules
read (`PACKAGE_DATA`); a third-party distribution is taken whole when any of its files is in a
closure. The distributions every function imports form the layer; the others go in the zips
of the functions that import them (strands only in the agents' zips). What the Lambda runtime
provides (`RUNTIME_PROVIDED`) is left out, and the analysis does not look inside it. Imports
made from strings, which modulefinder cannot see, are listed in `HIDDEN_IMPORTS`.

Every `.py` file is shipped with its bytecode (unchecked-hash `.pyc`: the archive is never
edited, and the file timestamps in it are fixed), so a cold start does not compile.

Reproducible: entries sorted, timestamps fixed at 1980-01-01, permissions normalised; the
same sources and the same dependency versions give the same bytes.

Run: python tools/package_lambdas.py [--out build/lambda] [--only KEY ...] [--no-compile]
"""

from __future__ import annotations

import argparse
import ast
import csv
import dis
import email.parser
import hashlib
import importlib.machinery
import io
import marshal
import modulefinder
import os
import py_compile
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PROJECT_PACKAGE = "exec_assistant"

PLATFORM = "manylinux2014_aarch64"  # glibc 2.17: the python3.11 runtime is Amazon Linux 2
PYTHON_VERSION = "3.11"
ARCHITECTURE = "arm64"

RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
"""Top-level modules of the Lambda Python runtime's own SDK: never packaged."""

HIDDEN_IMPORTS: Mapping[str, tuple[str, ...]] = {
    # Tracer loads the X-Ray SDK through a LazyLoader given the module's name as a string.
    "aws_lambda_powertools.tracing.tracer": ("aws_xray_sdk.core",),
}
"""Imports a module makes from a string, which the analysis cannot see."""

PACKAGE_DATA: Mapping[str, tuple[str, ...]] = {
    "exec_assistant.configuration": ("defaults/*.yaml",),
    "exec_assistant.slack.manifest": ("slack/manifest.yaml",),
    "exec_assistant.cli.demo_command": ("examples/**/*",),
    # The web page's templates (Jinja's PackageLoader), and its assets (served on AWS from the
    # assets bucket, which the infrastructure fills from the same folder).
    "exec_assistant.web.render": ("web/templates/*.html",),
    "exec_assistant.web.app": ("web/assets/*",),
}
"""The files under `src/exec_assistant/` (globs) that a module reads through
importlib.resources: shipped with the module."""

MB = 1024 * 1024
FUNCTION_UNZIPPED_LIMIT = 250 * MB
"""Lambda's limit on a function's unzipped size, its layers included."""
LAYER_ZIPPED_LIMIT = 50 * MB
"""Lambda's limit on a directly uploaded archive."""

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
LAYER_PREFIX = "python/"  # the runtime puts /opt/python on sys.path
STDLIB = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)
_ROOT_MARK = "<root>"
_NAMESPACE = 100  # beside modulefinder's kinds of module


# --- the import closure -------------------------------------------------------------------


class ImportGraph(modulefinder.ModuleFinder):
    """modulefinder over `path` that records which module imports which.

    The standard library and `provided` are not analysed (they are on every Lambda); each
    import of them is kept in `provided_imports`. `add_root(name)` analyses one entry point;
    `closure(name)` is then every module it reaches.
    """

    def __init__(
        self,
        path: Sequence[Path],
        *,
        provided: Iterable[str] = RUNTIME_PROVIDED,
        hidden_imports: Mapping[str, tuple[str, ...]] = HIDDEN_IMPORTS,
        cache: Path | None = None,
    ) -> None:
        self.cache = cache
        """Where the code of modules stripped of their TYPE_CHECKING blocks is kept."""
        self.provided = frozenset(provided)
        super().__init__(path=[str(p) for p in path], excludes=sorted(STDLIB | self.provided))
        importlib.machinery.PathFinder.invalidate_caches()
        self.hidden_imports = hidden_imports
        self.edges: dict[str, set[str]] = defaultdict(set)
        self.provided_imports: dict[str, set[str]] = defaultdict(set)
        self.failed_imports: dict[str, set[str]] = defaultdict(set)
        self._scanning: list[str] = []

    def add_root(self, module: str) -> None:
        self._scanning.append(_ROOT_MARK + module)
        try:
            self.import_hook(module)
        finally:
            self._scanning.pop()
        if module not in self.modules:
            raise ImportError(f"{module} is not on the analysed path")

    def closure(self, module: str) -> set[str]:
        """Every module `module` reaches (itself included), in the analysed path."""
        return set(self._parents(module))

    def import_chain(self, module: str, target: str) -> list[str] | None:
        """The shortest chain of imports from `module` to `target` or one of its submodules,
        e.g. [handler, a, b, "strands"]; None when it does not reach it."""
        parents = self._parents(module)
        for name in sorted(parents, key=lambda n: (n.count("."), n)):
            if name == target or name.startswith(target + "."):
                chain = [name]
                while (parent := parents[chain[-1]]) is not None:
                    chain.append(parent)
                return chain[::-1]
        return None

    def reached_provided(self, module: str) -> set[str]:
        """The runtime-provided top-level modules that `module`'s closure imports."""
        return {top for name in self.closure(module) for top in self.provided_imports.get(name, ())}

    def _parents(self, module: str) -> dict[str, str | None]:
        """Breadth-first from `module`: each reached module and the module that imports it."""
        start = _ROOT_MARK + module
        parents: dict[str, str | None] = {}
        queue: deque[tuple[str, str | None]] = deque(
            (child, None) for child in sorted(self.edges.get(start, ()))
        )
        while queue:
            name, parent = queue.popleft()
            if name in parents:
                continue
            parents[name] = parent
            queue.extend((child, name) for child in sorted(self.edges.get(name, ())))
        return parents

    # modulefinder's hooks ---------------------------------------------------------------

    def import_module(self, partname: str, fqname: str, parent: Any) -> Any:
        module = super().import_module(partname, fqname, parent)
        if module is not None and self._scanning:
            self.edges[self._scanning[-1]].add(fqname)
        return module

    def missing_project_modules(self, module: str) -> dict[str, set[str]]:
        """The `exec_assistant` modules that `module`'s closure imports but that do not
        exist, each with the modules importing it (`from m import name` of a name that `m`
        defines is not one)."""
        reached = self.closure(module)
        missing: dict[str, set[str]] = defaultdict(set)
        for importer in reached:
            for name in self.failed_imports.get(importer, ()):
                if not name.startswith(PROJECT_PACKAGE + "."):
                    continue
                parent, _, last = name.rpartition(".")
                if parent in self.modules and last in _attribute(
                    self.modules[parent], "globalnames"
                ):
                    continue
                if parent not in self.modules and parent != PROJECT_PACKAGE:
                    name = parent  # its package is missing: name that
                missing[name].add(importer)
        return dict(missing)

    def _add_badmodule(self, name: str, caller: Any) -> None:
        super()._add_badmodule(name, caller)  # type: ignore[misc]
        if not self._scanning:
            return
        top = name.partition(".")[0]
        if top in self.provided:
            self.provided_imports[self._scanning[-1]].add(top)
        else:
            self.failed_imports[self._scanning[-1]].add(name)

    def scan_code(self, co: Any, m: Any) -> None:
        self._scanning.append(m.__name__)
        try:
            super().scan_code(co, m)
            if co is _attribute(m, "__code__"):
                for name in self.hidden_imports.get(m.__name__, ()):
                    self._safe_import_hook(name, m, None, level=0)
        finally:
            self._scanning.pop()

    def find_module(self, name: str, path: Any, parent: Any = None) -> Any:
        fullname = f"{parent.__name__}.{name}" if parent else name
        if fullname in self.excludes:
            raise ImportError(name)
        # modulefinder's own lookup empties the finders' caches on every call (slow on a
        # large tree) and fails on a namespace package (a folder without __init__.py).
        spec = importlib.machinery.PathFinder.find_spec(name, path or self.path)
        if spec is None:
            raise ImportError(f"No module named {name!r}", name=name)
        if spec.loader is None and spec.submodule_search_locations is not None:
            return None, list(spec.submodule_search_locations), ("", "", _NAMESPACE)
        origin = spec.origin or ""
        if spec.loader is not None and spec.loader.is_package(name):  # type: ignore[attr-defined]
            return None, str(Path(origin).parent), ("", "", modulefinder._PKG_DIRECTORY)  # type: ignore[attr-defined]
        if isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            kind = modulefinder._PY_SOURCE  # type: ignore[attr-defined]
        elif isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            kind = modulefinder._C_EXTENSION  # type: ignore[attr-defined]
        else:
            raise ImportError(f"{name} is neither source nor an extension module", name=name)
        return io.open_code(origin), origin, (Path(origin).suffix, "rb", kind)

    def _safe_import_hook(self, name: str, caller: Any, fromlist: Any, level: int = -1) -> None:
        if level > 0 and name in self.badmodules:
            # modulefinder skips a relative import whose name once failed as an absolute one
            # (`from .types import x` after `import types`, the standard library's, left out).
            failed = self.badmodules.pop(name)
            try:
                super()._safe_import_hook(name, caller, fromlist, level)  # type: ignore[misc]
            finally:
                self.badmodules.setdefault(name, {}).update(failed)
            return
        super()._safe_import_hook(name, caller, fromlist, level)  # type: ignore[misc]

    def scan_opcodes(self, co: Any) -> Any:
        # The names a module stores matter only to tell `from m import name` of a missing
        # module from one of a name: looked at in the project's modules alone (it is slow).
        if self._scanning and self._scanning[-1].startswith(PROJECT_PACKAGE):
            for name in dis._find_store_names(co):  # type: ignore[attr-defined]
                yield "store", (name,)
        for name, level, fromlist in dis._find_imports(co):  # type: ignore[attr-defined]
            if level == 0:
                yield "absolute_import", (fromlist, name)
            else:
                yield "relative_import", (level, fromlist, name)

    def _compiled_without_type_checking(self, source: bytes, pathname: str) -> Any:
        cached = None
        if self.cache is not None:
            digest = hashlib.sha256(pathname.encode() + b"\0" + source).hexdigest()
            cached = self.cache / digest[:2] / digest
            if cached.exists():
                return marshal.loads(cached.read_bytes())
        tree = _without_type_checking_blocks(ast.parse(source, pathname))
        code = compile(tree, pathname, "exec", dont_inherit=True)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(marshal.dumps(code))
        return code

    def load_module(self, fqname: str, fp: Any, pathname: Any, file_info: Any) -> Any:
        if file_info[2] == _NAMESPACE:
            module = self.add_module(fqname)
            setattr(module, "__path__", list(pathname))  # noqa: B010 (untyped in the stubs)
            return module
        if file_info[2] != modulefinder._PY_SOURCE:  # type: ignore[attr-defined]
            return super().load_module(fqname, fp, pathname, file_info)
        source = fp.read()
        code = None
        try:
            if b"TYPE_CHECKING" in source:
                code = self._compiled_without_type_checking(source, pathname)
            else:  # through the bytecode cache: the same code, compiled once
                loader = importlib.machinery.SourceFileLoader(fqname, pathname)
                code = loader.get_code(fqname)
        except (SyntaxError, ValueError):
            pass  # not Python 3.11 (a vendored template, say): its imports cannot run either
        module = self.add_module(fqname)
        setattr(module, "__file__", pathname)  # noqa: B010
        if code is not None:
            setattr(module, "__code__", code)  # noqa: B010
            self.scan_code(code, module)
        return module


def _attribute(module: modulefinder.Module, name: str) -> Any:
    """One of the attributes modulefinder sets on its modules (the stubs omit them)."""
    return getattr(module, name, None)


def _without_type_checking_blocks(tree: ast.Module) -> ast.Module:
    """The module with each top-level `if TYPE_CHECKING:` body emptied (its `else:` kept)."""
    for node in tree.body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            node.body = [ast.copy_location(ast.Pass(), node.body[0])]
    return tree


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


# --- distributions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    name: str
    files: tuple[str, ...]
    """Its installed files, relative to the site folder, bytecode and scripts left out."""


def read_distributions(site: Path) -> dict[str, Distribution]:
    """The distributions pip installed into `site` (`--target`), by name, from their RECORD."""
    found: dict[str, Distribution] = {}
    for info in sorted(site.glob("*.dist-info")):
        metadata = email.parser.Parser().parsestr((info / "METADATA").read_text("utf-8"))
        name = metadata["Name"] or info.name.split("-")[0]
        files = []
        for row in csv.reader(io.StringIO((info / "RECORD").read_text("utf-8"))):
            path = row[0] if row else ""
            if not path or path.startswith(("..", "/")) or path.startswith("bin/"):
                continue
            if "__pycache__/" in path or path.endswith((".pyc", ".pyo")):
                continue
            files.append(path)
        found[name] = Distribution(name, tuple(sorted(files)))
    return found


def owners(distributions: Mapping[str, Distribution]) -> dict[str, str]:
    """Each installed file (relative path) → the name of the distribution it belongs to."""
    return {path: dist.name for dist in distributions.values() for path in dist.files}


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionContents:
    key: str
    handler_module: str
    project_modules: frozenset[str]
    """The `exec_assistant` modules its handler reaches."""
    distributions: frozenset[str]
    """The third-party distributions it imports."""
    provided: frozenset[str] = frozenset()
    """The runtime-provided modules it imports (not packaged)."""
    missing: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Project modules it imports that do not exist, with their importers."""


@dataclass(frozen=True)
class Plan:
    layer: frozenset[str]
    """The distributions every function imports."""
    functions: tuple[FunctionContents, ...]

    def own_distributions(self, function: FunctionContents) -> frozenset[str]:
        """What goes in the function's zip beside its project modules."""
        return function.distributions - self.layer


def analyse(
    graph: ImportGraph, handler_modules: Mapping[str, str], site: Path | None
) -> tuple[FunctionContents, ...]:
    """Each function's contents: `handler_modules` maps a function key to its module."""
    file_owner = owners(read_distributions(site)) if site else {}
    contents = []
    for key, module in handler_modules.items():
        graph.add_root(module)
        reached = graph.closure(module)
        project = {
            n for n in reached if n == PROJECT_PACKAGE or n.startswith(PROJECT_PACKAGE + ".")
        }
        dists = set()
        for name in reached - project:
            path = getattr(graph.modules[name], "__file__", None)
            if site and path:
                relative = _relative(Path(path), site)
                if relative is not None and relative in file_owner:
                    dists.add(file_owner[relative])
        contents.append(
            FunctionContents(
                key,
                module,
                frozenset(project),
                frozenset(dists),
                frozenset(graph.reached_provided(module)),
                {k: frozenset(v) for k, v in graph.missing_project_modules(module).items()},
            )
        )
    return tuple(contents)


def split_layer(functions: Sequence[FunctionContents]) -> Plan:
    """The layer: the distributions every function imports; the rest stays per function."""
    if not functions:
        return Plan(frozenset(), ())
    shared = frozenset.intersection(*(f.distributions for f in functions))
    return Plan(shared, tuple(functions))


def _relative(path: Path, base: Path) -> str | None:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return None


# --- archives -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    name: str
    path: Path
    zipped: int
    unzipped: int
    largest: tuple[tuple[str, int], ...] = ()
    """Its biggest parts (a distribution, or the project's modules) by unzipped bytes."""


@dataclass
class Bytecode:
    """Unchecked-hash `.pyc` files for Python 3.11, compiled once per source (cached in
    `folder`, by the source's bytes and its name in the archive)."""

    folder: Path
    enabled: bool = True
    _memo: dict[tuple[Path, str], bytes | None] = field(default_factory=dict)

    def for_source(self, source: Path, arcname: str) -> bytes | None:
        if not self.enabled:
            return None
        key = (source, arcname)
        if key not in self._memo:
            self._memo[key] = self._compile(source, arcname)
        return self._memo[key]

    def _compile(self, source: Path, arcname: str) -> bytes | None:
        digest = hashlib.sha256(source.read_bytes() + arcname.encode()).hexdigest()
        cached = self.folder / digest[:2] / f"{digest}.pyc"
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            try:
                py_compile.compile(
                    str(source),
                    cfile=str(cached),
                    dfile=arcname,
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
            except py_compile.PyCompileError:
                return None  # not Python 3.11 source: shipped as it is, never imported
        return cached.read_bytes()


def pyc_name(arcname: str) -> str:
    folder, _, filename = arcname.rpartition("/")
    stem = filename[: -len(".py")]
    prefix = f"{folder}/" if folder else ""
    return f"{prefix}__pycache__/{stem}.{sys.implementation.cache_tag}.pyc"


def write_zip(
    path: Path,
    files: Mapping[str, Path],
    *,
    bytecode: Bytecode | None = None,
    groups: Mapping[str, str] | None = None,
) -> Artifact:
    """A reproducible zip of `files` (name in the archive → source file); each `.py` with
    its `.pyc` when `bytecode` is given. `groups` names the part each entry belongs to, for
    the artifact's largest parts."""
    entries: dict[str, bytes] = {}
    executable: set[str] = set()
    group_of: dict[str, str] = {}
    for arcname, source in files.items():
        entries[arcname] = source.read_bytes()
        if os.access(source, os.X_OK) and source.suffix != ".py":
            executable.add(arcname)
        group = (groups or {}).get(arcname, "")
        group_of[arcname] = group
        if bytecode and arcname.endswith(".py"):
            compiled = bytecode.for_source(source, arcname)
            if compiled is not None:
                entries[pyc_name(arcname)] = compiled
                group_of[pyc_name(arcname)] = group
    path.parent.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, int] = defaultdict(int)
    temporary = path.with_suffix(".zip.partial")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arcname in sorted(entries):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_TIME)
            info.create_system = 3  # unix, so that the permissions below are read
            mode = 0o755 if arcname in executable else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[arcname], compresslevel=9)
            sizes[group_of[arcname]] += len(entries[arcname])
    temporary.replace(path)
    largest = tuple(sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:3])
    return Artifact(
        path.stem, path, path.stat().st_size, sum(len(b) for b in entries.values()), largest
    )


def function_files(
    function: FunctionContents,
    plan: Plan,
    distributions: Mapping[str, Distribution],
    graph: ImportGraph,
    site: Path,
    src: Path = SRC,
) -> tuple[dict[str, Path], dict[str, str]]:
    """The function zip's files (name in the archive → source) and each one's part."""
    files: dict[str, Path] = {}
    groups: dict[str, str] = {}
    package_root = src / PROJECT_PACKAGE
    for module in sorted(function.project_modules):
        source = Path(_attribute(graph.modules[module], "__file__"))
        arcname = _relative(source, src)
        if arcname is None:
            raise ValueError(f"{module} is not under {src}")
        files[arcname] = source
        groups[arcname] = PROJECT_PACKAGE
        for pattern in PACKAGE_DATA.get(module, ()):
            for data in sorted(package_root.glob(pattern)):
                if data.is_file() and "__pycache__" not in data.parts:
                    name = f"{PROJECT_PACKAGE}/{data.relative_to(package_root).as_posix()}"
                    files[name] = data
                    groups[name] = PROJECT_PACKAGE
    for dist in sorted(plan.own_distributions(function)):
        for relative in distributions[dist].files:
            files[relative] = site / relative
            groups[relative] = dist
    return files, groups


def layer_files(
    plan: Plan, distributions: Mapping[str, Distribution], site: Path
) -> tuple[dict[str, Path], dict[str, str]]:
    files: dict[str, Path] = {}
    groups: dict[str, str] = {}
    for dist in sorted(plan.layer):
        for relative in distributions[dist].files:
            files[LAYER_PREFIX + relative] = site / relative
            groups[LAYER_PREFIX + relative] = dist
    return files, groups


# --- the size checks ------------------------------------------------------------------------


def size_problems(layer: Artifact, functions: Sequence[Artifact]) -> list[str]:
    """What breaks Lambda's limits, each naming the artifact, its size, the limit and its
    largest parts (what to move out or trim)."""
    problems = []
    if layer.zipped > LAYER_ZIPPED_LIMIT:
        problems.append(
            f"the layer {layer.name} is {_mb(layer.zipped)} zipped, over Lambda's "
            f"{_mb(LAYER_ZIPPED_LIMIT)}; its largest parts: {_parts(layer)}"
        )
    for function in functions:
        total = function.unzipped + layer.unzipped
        if total > FUNCTION_UNZIPPED_LIMIT:
            problems.append(
                f"the function {function.name} is {_mb(total)} unzipped with the layer "
                f"({_mb(function.unzipped)} + {_mb(layer.unzipped)}), over Lambda's "
                f"{_mb(FUNCTION_UNZIPPED_LIMIT)}; its largest parts: {_parts(function)}"
            )
    return problems


def missing_problems(plan: Plan) -> list[str]:
    """A project module that a handler imports and that does not exist fails that function
    on Lambda: each one named, with what imports it and the functions it breaks."""
    importers: dict[str, set[str]] = defaultdict(set)
    broken: dict[str, list[str]] = defaultdict(list)
    for function in plan.functions:
        for name, by in function.missing.items():
            importers[name] |= by
            broken[name].append(function.key)
    everyone = len(plan.functions)
    return [
        f"{name} does not exist; imported by {', '.join(sorted(importers[name]))}; needed by "
        + ("every function" if len(broken[name]) == everyone > 1 else ", ".join(broken[name]))
        for name in sorted(importers)
    ]


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _parts(artifact: Artifact) -> str:
    return ", ".join(f"{name} {_mb(size)}" for name, size in artifact.largest) or "none"


# --- installing the dependencies ------------------------------------------------------------


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The project's dependencies, with what the AWS runtime and the Bedrock model need."""
    project = tomllib.loads(pyproject.read_text("utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    return [*project["dependencies"], *extras.get("aws", []), *extras.get("bedrock", [])]


def install(site: Path, wanted: Sequence[str]) -> None:
    """pip-install `wanted` for the target platform into `site`, unless it holds them already
    (a stamp of the request)."""
    stamp = site / ".requested"
    request = "\n".join([PLATFORM, PYTHON_VERSION, *sorted(wanted)])
    if stamp.exists() and stamp.read_text("utf-8") == request:
        return
    if site.exists():
        shutil.rmtree(site)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(site),
        "--platform",
        PLATFORM,
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        *wanted,
    ]
    subprocess.run(command, check=True)
    stamp.write_text(request, "utf-8")


# --- the command ----------------------------------------------------------------------------


def build(
    out: Path, keys: Sequence[str] | None, *, compile_bytecode: bool = True
) -> tuple[Plan, list[Artifact], Artifact, ImportGraph]:
    sys.path.insert(0, str(SRC))
    from exec_assistant.lambda_functions import FUNCTIONS

    chosen = [f for f in FUNCTIONS if keys is None or f.key in keys]
    unknown = sorted(set(keys or ()) - {f.key for f in FUNCTIONS})
    if unknown:
        raise SystemExit(f"no Lambda function is called {', '.join(unknown)}")
    missing = [f for f in chosen if not (SRC / f"{f.module.replace('.', '/')}.py").is_file()]
    if missing:
        raise SystemExit(
            "these functions have no handler module yet: "
            + ", ".join(f"{f.key} (src/{f.module.replace('.', '/')}.py)" for f in missing)
            + "; write it, or package the others with --only"
        )
    site = out / "site"
    install(site, requirements())
    distributions = read_distributions(site)
    graph = ImportGraph([SRC, site], cache=out / "closure-cache")
    handlers = {f.key: f.module for f in chosen}
    plan = split_layer(analyse(graph, handlers, site))
    bytecode = Bytecode(out / "pyc", enabled=compile_bytecode)
    files, groups = layer_files(plan, distributions, site)
    layer = write_zip(
        out / "layer" / "exec-assistant-deps.zip", files, bytecode=bytecode, groups=groups
    )
    archives = {f.key: f.archive for f in chosen}
    artifacts = []
    for function in plan.functions:
        files, groups = function_files(function, plan, distributions, graph, site)
        artifacts.append(
            write_zip(
                out / "functions" / archives[function.key],
                files,
                bytecode=bytecode,
                groups=groups,
            )
        )
    return plan, artifacts, layer, graph


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda")
    parser.add_argument("--only", nargs="+", metavar="KEY", help="these functions only")
    parser.add_argument("--no-compile", action="store_true", help="ship no .pyc files")
    args = parser.parse_args(argv)
    plan, artifacts, layer, graph = build(args.out, args.only, compile_bytecode=not args.no_compile)

    print(f"{ARCHITECTURE}, python{PYTHON_VERSION}, {PLATFORM}; sizes in MB")
    print(f"{'artifact':<40} {'zipped':>8} {'unzipped':>9} {'+layer':>8}")
    print(f"{layer.name:<40} {layer.zipped / MB:8.1f} {layer.unzipped / MB:9.1f} {'':>8}")
    for artifact in artifacts:
        print(
            f"{artifact.name:<40} {artifact.zipped / MB:8.1f} {artifact.unzipped / MB:9.1f} "
            f"{(artifact.unzipped + layer.unzipped) / MB:8.1f}"
        )
    print(f"layer: {', '.join(sorted(plan.layer)) or 'nothing'}")
    for function in plan.functions:
        own = sorted(plan.own_distributions(function))
        print(
            f"{function.key}: {len(function.project_modules)} project modules; "
            f"own distributions: {', '.join(own) or 'none'}; "
            f"from the runtime: {', '.join(sorted(function.provided)) or 'none'}"
        )
    for function in plan.functions:
        for banned in ("strands", "dbos"):
            chain = graph.import_chain(function.handler_module, banned)
            if chain and function.key == "slack_webhook":
                print(f"slack_webhook reaches {banned}: {' -> '.join(chain)}", file=sys.stderr)
    problems = size_problems(layer, artifacts) + missing_problems(plan)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "FUNCTION_UNZIPPED_LIMIT",
    "HIDDEN_IMPORTS",
    "LAYER_ZIPPED_LIMIT",
    "PACKAGE_DATA",
    "RUNTIME_PROVIDED",
    "Artifact",
    "Bytecode",
    "Distribution",
    "FunctionContents",
    "ImportGraph",
    "Plan",
    "analyse",
    "read_distributions",
    "size_problems",
    "split_layer",
    "write_zip",
]
