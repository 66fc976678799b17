"""Where the tests find the project's files and the shared public corpora."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "forum" / "templates"
GUIDELINES = ROOT / "forum" / "data" / "guidelines"
TEST_TEMPLATES = Path(__file__).resolve().parent / "templates"  # kept for tests only
CORPORA = ROOT.parent / "shared" / "corpora"
