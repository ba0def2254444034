"""`run --shard K/N`: a split of the accounts that is the same on every machine, and shard reports
that merge back into one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner.core.errors import UsageError
from runner.run.shard import parse_shard, select, shard_of
from tests.cli.test_cli import file_keyring  # noqa: F401  (fixture)
from tests.conftest import ROOT, SHIPPED, cli

ACCOUNTS = [f"user{i:03d}@contoso.com" for i in range(200)]


@pytest.mark.parametrize(("text", "expected"), [("1/4", (1, 4)), (" 4 / 4 ", (4, 4)), ("1/1", (1, 1))])
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "1", "a/b", "-1/2", ""])
def test_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def test_every_account_in_exactly_one_shard_and_roughly_balanced() -> None:
    class Spec:
        def __init__(self, account: str) -> None:
            self.account = account

    specs = [Spec(a) for a in ACCOUNTS]
    shards = [select(specs, k, 4) for k in range(1, 5)]
    assert sorted(s.account for shard in shards for s in shard) == sorted(ACCOUNTS)
    assert all(30 <= len(shard) <= 70 for shard in shards), [len(s) for s in shards]


def test_shard_depends_on_the_account_only() -> None:
    # pinned: a change of hash would move accounts between CI jobs (and their history)
    assert shard_of("Alice@Contoso.com", 7) == shard_of(" alice@contoso.com", 7)
    pinned = {a: shard_of(a, 3) for a in ("alice@contoso.com", "bob@contoso.com", "megan@contoso.com")}
    assert pinned == {"alice@contoso.com": 3, "bob@contoso.com": 2, "megan@contoso.com": 2}


def test_same_shard_in_another_process_with_another_hash_seed() -> None:
    code = ("import json; from runner.run.shard import shard_of; "
            f"print(json.dumps([shard_of(a, 5) for a in {ACCOUNTS[:50]!r}]))")
    outputs = []
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == [shard_of(a, 5) for a in ACCOUNTS[:50]]


@pytest.mark.browser
def test_shards_run_disjoint_accounts_and_their_reports_merge(tmp_path: Path, file_keyring) -> None:  # noqa: F811
    """No passwords are stored, so each account ends at once (missing_credential): what is under
    test is who ran where, and the merge."""
    accounts = ACCOUNTS[:6]
    users = tmp_path / "users.yaml"
    users.write_text("users:\n" + "".join(f"  - account: {a}\n" for a in accounts))
    dirs = []
    for k in (1, 2):
        out = tmp_path / f"shard{k}"
        result = cli("run", str(SHIPPED), "--users", str(users), "--shard", f"{k}/2", "--report-dir", str(out),
                     env=file_keyring)
        mine = [a for a in accounts if shard_of(a, 2) == k]
        assert result.returncode == (1 if mine else 0), result.stdout + result.stderr
        ran = [r["account"] for r in json.loads((out / "report.json").read_text())["runs"]]
        assert ran == mine
        dirs.append(out)
    merged = tmp_path / "merged"
    result = cli("report", "--merge", *map(str, dirs), "--out", str(merged))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((merged / "report.json").read_text())
    assert sorted(r["account"] for r in report["runs"]) == sorted(accounts)
    assert report["summary"]["total"] == len(accounts)


def test_an_empty_shard_succeeds_with_an_empty_report(tmp_path: Path, file_keyring) -> None:  # noqa: F811
    account = "alice@contoso.com"
    other = 1 if shard_of(account, 2) == 2 else 2
    out = tmp_path / "empty"
    result = cli("run", str(SHIPPED), "--account", account, "--shard", f"{other}/2", "--report-dir", str(out),
                 env=file_keyring)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((out / "report.json").read_text())["runs"] == []
