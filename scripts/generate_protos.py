"""Generate the Python code of the gRPC contracts from protos/connectability/.

    python scripts/generate_protos.py           # rewrite connectability/ from the protos
    python scripts/generate_protos.py --check   # exit 1 if connectability/ is stale

The generated modules (`*_pb2.py`, `*_pb2.pyi`, `*_pb2_grpc.py`) are committed, so the
services and their clients import them without a build step:
`from connectability.v1 import connection_service_pb2`; what only our own services call
comes from `connectability.internal.v1` (protos/connectability/internal/v1).

The output is byte-identical on every run with the same grpcio-tools (pinned to grpcio's
version in pyproject.toml): inputs are sorted, protoc sees the same relative file names,
and nothing of the machine (paths, times) ends up in the files.

Our own protos are compiled, plus the vendored protos in VENDORED_PROTOS whose Python
code no installed package ships: `buf/validate/validate.proto` becomes the package
`buf.validate` (protovalidate 1.x imports `buf.validate.validate_pb2` but its wheel lacks
it). The other vendored protos under protos/google/ are import paths for protoc; their
Python code comes from googleapis-common-protos at run time
(`google.api.field_behavior_pb2`), and the well-known types' from protobuf.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "protos"
# The protos to compile live under this directory of PROTO_ROOT; the Python package of the
# same path under the output root receives the generated modules.
GENERATED_PACKAGE = Path("connectability")
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")
REGENERATE_COMMAND = "python scripts/generate_protos.py"

INIT_TEMPLATE = '''"""{summary}

Generated code: do not edit. Regenerate with `{command}`.
"""
'''
PACKAGE_SUMMARIES = {
    GENERATED_PACKAGE: "Generated Python code of the Drawing Connectability gRPC contracts.",
    GENERATED_PACKAGE / "v1": "Generated Python code of the connectability.v1 gRPC contracts "
    "(protos/connectability/v1).",
    GENERATED_PACKAGE / "internal": "Generated Python code of the internal gRPC contracts: "
    "what only our own services call.",
    GENERATED_PACKAGE / "internal" / "v1": "Generated Python code of the "
    "connectability.internal.v1 gRPC contracts (protos/connectability/internal/v1).",
}


# Vendored protos (under PROTO_ROOT) compiled to messages only (no gRPC stubs), and the
# packages their modules land in, with the summary of each package's __init__.py.
VENDORED_PROTOS = (Path("buf/validate/validate.proto"),)
VENDORED_PACKAGE_SUMMARIES = {
    Path("buf"): "Generated Python code of protos vendored from Buf (see protos/buf/README.md).",
    Path("buf/validate"): "Generated Python code of buf/validate/validate.proto "
    "(protovalidate's rules), for protovalidate 1.x.",
}


def proto_files() -> list[Path]:
    """Our protos, as paths relative to PROTO_ROOT, in a stable order."""
    files = sorted(
        path.relative_to(PROTO_ROOT) for path in (PROTO_ROOT / GENERATED_PACKAGE).rglob("*.proto")
    )
    if not files:
        raise SystemExit(f"no .proto files under {PROTO_ROOT / GENERATED_PACKAGE}")
    return files


def well_known_protos() -> Path:
    """The well-known types (timestamp, duration, field_mask, ...) bundled with grpc_tools."""
    import grpc_tools

    return Path(grpc_tools.__file__).resolve().parent / "_proto"


def generate(out_root: Path) -> None:
    """Write every generated file (modules and package __init__ files) under out_root."""
    from grpc_tools import protoc

    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known_protos()}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        # Absolute input paths: protoc maps each onto --proto_path, so the names recorded
        # in the descriptors are "connectability/v1/….proto" wherever the repo lives.
        *(str(PROTO_ROOT / path) for path in proto_files()),
    ]
    status = protoc.main(args)
    if status != 0:
        raise SystemExit(f"protoc failed with status {status}")
    generate_vendored(out_root)
    for package, summary in PACKAGE_SUMMARIES.items():
        init = out_root / package / "__init__.py"
        init.parent.mkdir(parents=True, exist_ok=True)
        init.write_text(INIT_TEMPLATE.format(summary=summary, command=REGENERATE_COMMAND))


def generate_vendored(out_root: Path) -> None:
    """The messages of VENDORED_PROTOS, with their packages' __init__ files."""
    from grpc_tools import protoc

    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known_protos()}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        *(str(PROTO_ROOT / path) for path in VENDORED_PROTOS),
    ]
    status = protoc.main(args)
    if status != 0:
        raise SystemExit(f"protoc failed on the vendored protos with status {status}")
    for package, summary in VENDORED_PACKAGE_SUMMARIES.items():
        init = out_root / package / "__init__.py"
        init.parent.mkdir(parents=True, exist_ok=True)
        init.write_text(INIT_TEMPLATE.format(summary=summary, command=REGENERATE_COMMAND))


def tree_files(root: Path) -> set[Path]:
    """Generated files under root (GENERATED_PACKAGE and the vendored packages), relative
    to root, bytecode caches left out."""
    files: set[Path] = set()
    for top in (GENERATED_PACKAGE, *VENDORED_PACKAGE_SUMMARIES):
        base = root / top
        if not base.exists():
            continue
        files |= {
            path.relative_to(root)
            for path in base.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
    return files


def is_generated_name(path: Path) -> bool:
    return path.name == "__init__.py" or path.name.endswith(GENERATED_SUFFIXES)


def compare(generated_root: Path, committed_root: Path) -> list[str]:
    """How the committed tree differs from a fresh generation, one line per file."""
    fresh = tree_files(generated_root)
    committed = tree_files(committed_root)
    problems = []
    for path in sorted(fresh | committed):
        if path not in committed:
            problems.append(f"missing: {path}")
        elif path not in fresh:
            problems.append(f"extra:   {path}")
        elif not filecmp.cmp(generated_root / path, committed_root / path, shallow=False):
            problems.append(f"differs: {path}")
    return problems


def write(generated_root: Path) -> list[str]:
    """Bring the repo's generated tree in line with a fresh generation; report changes."""
    fresh = tree_files(generated_root)
    changes = []
    for path in sorted(fresh):
        target = REPO_ROOT / path
        if target.exists() and filecmp.cmp(generated_root / path, target, shallow=False):
            continue
        changes.append(f"{'updated' if target.exists() else 'created'}: {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated_root / path, target)
    # Modules of a proto that was removed or renamed; anything else is left for --check.
    for path in sorted(tree_files(REPO_ROOT) - fresh):
        if is_generated_name(path):
            (REPO_ROOT / path).unlink()
            changes.append(f"removed: {path}")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="generate into a temporary directory and fail if the committed code differs",
    )
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="generate_protos-") as scratch:
        generated_root = Path(scratch)
        generate(generated_root)
        if options.check:
            problems = compare(generated_root, REPO_ROOT)
            if problems:
                print(f"generated code is stale; run `{REGENERATE_COMMAND}`:", file=sys.stderr)
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
                return 1
            print(f"generated code is up to date ({len(tree_files(REPO_ROOT))} files)")
            return 0
        changes = write(generated_root)
    for line in changes:
        print(line)
    print(f"{len(changes)} file(s) changed under {GENERATED_PACKAGE}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
