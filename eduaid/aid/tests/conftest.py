from __future__ import annotations

import pytest

from eduaid.aid.tests.helpers import STUDENTS, Registry
from eduaid.conftest import Cast


@pytest.fixture
def county(cast: Cast) -> Registry:
    registry = Registry(cast)
    for key, (stage, boarding, in_province, freshman) in STUDENTS.items():
        registry.student(key, stage, boarding=boarding, in_province=in_province, freshman=freshman)
    return registry
