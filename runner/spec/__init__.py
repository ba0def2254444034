"""YAML in, validated model out. `yamlpos.py` reads YAML with line:col positions, `shapes.py` and
`documents.py` are the shape language every file is declared in (validation, did-you-mean, JSON
Schema), `steps.py` declares the documented shape of every step type, `flow.py`, `users.py` and
`config.py` turn those files into the model, `states.py` reads and writes sign-in states files,
`yamlwrite.py` is the one YAML writer (what a person pastes reads back as written), `catalog.py`
finds the shipped flows by name and `schema.py` prints the JSON Schemas.

May import: `runner.core`. Nothing here starts a browser or reads a secret; `validate` and
`--help` live on this layer and stay fast because of it.
"""
