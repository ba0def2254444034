"""Checks that answer "is it still true?" beside the replay: the photo outcome (`photos.py`: fetch
two pictures in the account's session, compare perceptual hashes; `outcome.py` the check's answer in
words), the pictures `photo: generate` makes (`pictures.py`), doc-check (`doccheck/`: fetch the
flow's article, read its procedure, match every `doc:` quote), and the experiment's statistics
(`experiment.py`: does replaying the fix make SharePoint follow sooner?).

May import: `runner.reporters`, `runner.spec`, `runner.secrets`, `runner.core`; never the engine,
the sign-in or a way in. A step handler in `runner.run` calls into this layer, not the reverse.
"""
