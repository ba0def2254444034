"""A folder the runner will write to, proven writable before anything starts: a run's report folder,
a pytest session's, an experiment's. Here, in the lowest layer, so that every writer (the reporters,
the experiment's lock in core/experiment.py) says the same one sentence about it.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path


def prepare_report_dir(path: Path, option: str = "--report-dir") -> None:
    """Create the report folder and prove it takes a file, before any browser starts.

    Finding out at the first report.json write would be after a browser launched and perhaps
    an account signed in; now it is one clear sentence and exit 2, with nothing run.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".m365-replay-write-test-"):
            pass
    except FileExistsError:
        raise UsageError(f"Cannot use {path} as the report folder: it is a file; "
                         f"choose another {option}.") from None
    except NotADirectoryError:
        raise UsageError(f"Cannot create the report folder {path}: part of that path is a file, not a folder; "
                         f"choose another {option}.") from None
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise UsageError(f"Cannot write the report folder {path} ({reason}); choose another {option} or "
                         "fix its permissions.") from None
