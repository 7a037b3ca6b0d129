"""scripts/check_translations.py, imported for the tests (scripts/ is not a package)."""

import importlib.util
import sys
from pathlib import Path

from django.conf import settings

NAME = "check_translations"


def load():
    if NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(NAME, Path(settings.BASE_DIR) / "scripts" / f"{NAME}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[NAME] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[NAME]
