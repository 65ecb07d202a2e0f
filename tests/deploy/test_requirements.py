"""deploy/requirements.txt is what the image installs: it must hold pyproject.toml's pins."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "deploy" / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonical(name)] = version
    return pins


def test_every_runtime_dependency_is_pinned_at_pyprojects_version() -> None:
    # Otherwise the image would run other versions than the tests did, or miss a dependency.
    # Regenerate the file with `.venv/bin/python deploy/lock.py`.
    pinned = locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{line}: the image needs exact pins"
        assert pinned.get(canonical(requirement.name)) == spec.version, line
