"""The command line, one way in: `commands.py` the thin click group (one function per command),
`options.py` the options shared by several commands (defined once), `creds.py` the `creds` group,
`runs.py` a run from the CLI to its reports, `demo.py` the demo on the simulator, `doctor.py` what
this machine has, `experiment.py` the `experiment` group and `simulator` (a simulator served alone).

May import: everything, the simulator included. Nothing imports it but `runner.__main__`.
"""

from .commands import main

__all__ = ["main"]
