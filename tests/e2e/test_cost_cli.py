"""`exec-assistant cost`: a stack's monthly estimate from its Pulumi.<stack>.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from cli_user import ROOT, CliUser

INFRA = str(ROOT / "infra")


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path, columns=80)


def test_the_production_estimate_fits_80_columns_and_shows_the_cheaper_stack(
    user: CliUser,
) -> None:
    shown = user.ok("cost", "--stack", "prod", "--infra-dir", INFRA)
    lines = shown.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), max(lines, key=cell_len)
    # A table row is never wrapped: each line of the bill is whole on one line.
    nat = next(line for line in lines if "NAT gateways (2)" in line)
    assert "1,460 NAT gateway-hours" in nat and "$0.045" in nat and "$65.70" in nat
    assert any(line.startswith("Total") and "$209" in line for line in lines)
    assert "~$176" in shown
    assert "exec-assistant:vpc false" in shown
    assert "exec-assistant:natGateways 1" in shown
    assert "no private network path" in shown
    sensible = next(line for line in lines if line.startswith("With the changes marked *"))
    assert "under the target of $60" in sensible


def test_json_gives_the_lines_the_total_and_the_savings(user: CliUser) -> None:
    report = user.json("cost", "--stack", "prod", "--infra-dir", INFRA)
    assert report["stack"] == "prod" and report["meetings_per_month"] == 100
    assert report["total_usd"] == pytest.approx(sum(x["monthly_usd"] for x in report["lines"]))
    nat = next(x for x in report["lines"] if x["item"] == "NAT gateways (2)")
    assert (nat["quantity"], nat["unit"], nat["unit_price_usd"]) == (
        1460,
        "NAT gateway-hour",
        0.045,
    )
    assert report["prices"]["aws"]["nat_gateway_hours"]["source"]
    vpc = next(s for s in report["savings"] if s["config_key"] == "exec-assistant:vpc")
    assert vpc["value"] == "false" and vpc["in_sensible_set"] and vpc["trade_off"]
    assert report["sensible_total_usd"] < report["target_usd"] == 60
    assert report["assumptions"]["duration_ms"]["meeting_prep_agent"] > 0


def test_more_meetings_a_month_cost_more(user: CliUser) -> None:
    hundred = user.json("cost", "--stack", "dev", "--infra-dir", INFRA)
    thousand = user.json(
        "cost", "--stack", "dev", "--infra-dir", INFRA, "--meetings-per-month", "1000"
    )
    assert thousand["meetings_per_month"] == 1000
    assert thousand["total_usd"] > hundred["total_usd"]


def test_an_unknown_stack_names_the_stacks(user: CliUser) -> None:
    result = user.run("cost", "--stack", "qa", "--infra-dir", INFRA)
    assert result.returncode == 2
    assert "unknown stack 'qa'" in result.stderr and "dev, stage, prod, dr" in result.stderr


def test_a_missing_stack_file_names_the_file_and_the_stacks(user: CliUser, tmp_path: Path) -> None:
    result = user.run("cost", "--stack", "prod", "--infra-dir", str(tmp_path))
    assert result.returncode == 2
    assert str(tmp_path / "Pulumi.prod.yaml") in result.stderr
    assert "dev, stage, prod, dr" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_config_value_names_the_key(user: CliUser, tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  exec-assistant:natGateways: 3\n", encoding="utf-8"
    )
    result = user.run("cost", "--stack", "dev", "--infra-dir", str(tmp_path))
    assert result.returncode == 2
    assert "exec-assistant:natGateways" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_negative_meeting_count_is_refused(user: CliUser) -> None:
    result = user.run("cost", "--infra-dir", INFRA, "--meetings-per-month", "-5")
    assert result.returncode == 2
    assert "--meetings-per-month" in result.stderr


def test_a_million_meetings_is_the_most_it_prices(user: CliUser) -> None:
    shown = user.ok(
        "cost", "--stack", "prod", "--infra-dir", INFRA, "--meetings-per-month", "1000000"
    )
    assert "$inf" not in shown and "$nan" not in shown
    assert "22.8M requests" in shown
    refused = user.run(
        "cost", "--stack", "prod", "--infra-dir", INFRA, "--meetings-per-month", str(10**305)
    )
    assert refused.returncode == 2
    assert "0 to 1,000,000" in refused.stderr
    assert "Traceback" not in refused.stderr
