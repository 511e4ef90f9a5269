from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the default database of these tests inside ``tmp_path``."""
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "annotator" / "annotator.db"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "annotator.db"


@pytest.fixture
def db_url(db_path: Path) -> str:
    return f"sqlite:///{db_path}"
