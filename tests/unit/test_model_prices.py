"""Model prices: the shipped table, the ids providers use, the user's file merged over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from exec_assistant.configuration import load_config, load_model_prices
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.usage import ModelPrice, PriceTable

SHIPPED, _ = load_model_prices(None)

SONNET = ModelPrice(input=3, output=15, cache_read=0.30, cache_write=3.75)
HAIKU = ModelPrice(input=1, output=5, cache_read=0.10, cache_write=1.25)
OPUS = ModelPrice(input=5, output=25, cache_read=0.50, cache_write=6.25)


@pytest.mark.parametrize(
    ("model_id", "price"),
    [
        ("claude-sonnet-4-6", SONNET),
        ("claude-sonnet-4-5-20250929", SONNET),
        ("claude-sonnet-4-20250514", SONNET),
        ("claude-haiku-4-5", HAIKU),
        ("claude-haiku-4-5-20251001", HAIKU),
        ("claude-opus-4-6", OPUS),
        ("claude-opus-4-5-20251101", OPUS),
        # Bedrock: the model id, and the global inference profile, at the same price.
        ("anthropic.claude-sonnet-4-6", SONNET),
        ("global.anthropic.claude-sonnet-4-6", SONNET),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", HAIKU),
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", HAIKU),
        ("anthropic.claude-opus-4-6-v1", OPUS),
        ("global.anthropic.claude-opus-4-5-20251101-v1:0", OPUS),
        ("anthropic.claude-sonnet-4-20250514-v1:0", SONNET),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", SONNET),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
            "global.anthropic.claude-sonnet-4-6",
            SONNET,
        ),
        ("  Claude-Sonnet-4-6 ", SONNET),
    ],
)
def test_the_ids_providers_report_find_their_shipped_price(
    model_id: str, price: ModelPrice
) -> None:
    assert SHIPPED.price_of(model_id) == price


def test_a_regional_bedrock_profile_of_a_recent_model_costs_ten_percent_more() -> None:
    regional = SHIPPED.price_of("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert regional == ModelPrice(input=3.30, output=16.50, cache_read=0.33, cache_write=4.125)
    assert SHIPPED.price_of("eu.anthropic.claude-haiku-4-5-20251001-v1:0") == ModelPrice(
        input=1.10, output=5.50, cache_read=0.11, cache_write=1.375
    )
    # Sonnet 4 predates the premium: its regional profile takes the plain price.
    assert SHIPPED.price_of("us.anthropic.claude-sonnet-4-20250514-v1:0") == SONNET


@pytest.mark.parametrize(
    ("model_id", "input_price", "output_price", "cache_read"),
    [
        ("gpt-4.1", 2, 8, 0.50),
        ("gpt-4.1-2025-04-14", 2, 8, 0.50),
        ("gpt-4.1-mini", 0.40, 1.60, 0.10),
        ("gpt-4.1-mini-2025-04-14", 0.40, 1.60, 0.10),
        ("gpt-4o", 2.50, 10, 1.25),
        ("gpt-4o-mini", 0.15, 0.60, 0.075),
        ("gpt-4o-mini-2024-07-18", 0.15, 0.60, 0.075),
    ],
)
def test_openai_models_are_priced(
    model_id: str, input_price: float, output_price: float, cache_read: float
) -> None:
    price = SHIPPED.price_of(model_id)
    assert price is not None
    assert (price.input, price.output, price.cache_read) == (input_price, output_price, cache_read)


@pytest.mark.parametrize(
    "model_id",
    [
        "gpt-4.1-nano",  # another model, not a dated gpt-4.1
        "gpt-4o-audio-preview",
        "claude-sonnet-4-7",  # a later model is not priced as claude-sonnet-4
        "claude-opus-4-1-20250805",  # nor an earlier one as claude-opus-4-5
        "anthropic.claude-3-opus-20240229-v1:0",  # the table prices 3.5 Sonnet, 3 Haiku only
        "mistral-large",
        "",
    ],
)
def test_a_model_the_table_does_not_know_has_no_price(model_id: str) -> None:
    assert SHIPPED.price_of(model_id) is None
    assert SHIPPED.cost(model_id, 1000, 1000) is None


def test_a_local_server_costs_nothing_unless_priced() -> None:
    assert SHIPPED.cost("llama3.1:8b", 50_000, 5_000, provider="ollama") == 0
    assert SHIPPED.cost("default", 50_000, 5_000, provider="llamacpp") == 0
    assert SHIPPED.cost("llama3.1:8b", 50_000, 5_000, provider="openai") is None
    priced = PriceTable({"llama3.1": ModelPrice(input=0.1, output=0.2)})
    assert priced.cost("llama3.1:8b", 1_000_000, 1_000_000, provider="ollama") == pytest.approx(0.3)


def test_a_cost_counts_cached_input_at_its_own_prices() -> None:
    cost = SHIPPED.cost(
        "claude-sonnet-4-6",
        input_tokens=1_000_000,
        output_tokens=100_000,
        cache_read_tokens=2_000_000,
        cache_write_tokens=400_000,
    )
    assert cost == pytest.approx(3 + 1.5 + 0.6 + 1.5)
    # OpenAI names no cache-write price: writes are billed as input.
    assert SHIPPED.cost("gpt-4o", 0, 0, cache_write_tokens=1_000_000) == pytest.approx(2.5)


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model_prices.yaml"
    path.write_text(text)
    return path


def test_a_user_file_changes_only_the_keys_it_gives_and_adds_models(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
model_prices:
  claude-sonnet-4-6: {input: 2.5}
  llama3.1: {input: 0, output: 0}
  mistral-large: {input: 2, output: 6}
  gpt-4o: null
""",
    )
    prices, sources = load_model_prices(tmp_path)
    assert prices.price_of("claude-sonnet-4-6") == SONNET.model_copy(update={"input": 2.5})
    assert prices.price_of("global.anthropic.claude-sonnet-4-6") == SONNET  # its own entry
    assert prices.price_of("mistral-large-2411") is None  # not a date or a version
    assert prices.price_of("mistral-large") == ModelPrice(input=2, output=6)
    assert prices.price_of("llama3.1:70b") == ModelPrice(input=0, output=0)
    assert prices.price_of("gpt-4o") is None  # unpriced on purpose
    assert prices.price_of("gpt-4o-mini") is not None
    assert sources == ["<shipped model_prices.yaml>", str(path)]


def test_a_user_entry_changes_the_shipped_model_whatever_its_case(tmp_path: Path) -> None:
    write(tmp_path, "model_prices:\n  Claude-Haiku-4-5: {output: 4}\n")
    prices, _ = load_model_prices(tmp_path)
    assert prices.price_of("claude-haiku-4-5") == HAIKU.model_copy(update={"output": 4})


def test_the_loaded_configuration_carries_the_prices_and_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "model_prices:\n  claude-haiku-4-5: {output: 4}\n")
    loaded = load_config(tmp_path)
    assert loaded.prices.price_of("claude-haiku-4-5") == HAIKU.model_copy(update={"output": 4})
    assert loaded.sources[-2:] == ["<shipped model_prices.yaml>", str(path)]


def test_a_file_with_every_entry_commented_out_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "model_prices:\n#  claude-haiku-4-5: {output: 4}\n")
    prices, _ = load_model_prices(tmp_path)
    assert prices.price_of("claude-haiku-4-5") == HAIKU


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'model_prices:\n  claude-sonnet-4-6: {input: "three"}\n',
            "at 'model_prices.claude-sonnet-4-6.input': Input should be a valid number",
        ),
        (
            "model_prices:\n  claude-sonnet-4-6: {input: -3}\n",
            "at 'model_prices.claude-sonnet-4-6.input': Input should be greater than or equal"
            " to 0 (got -3)",
        ),
        (
            "model_prices:\n  claude-sonnet-4-6: {input: .nan}\n",
            "at 'model_prices.claude-sonnet-4-6.input': Input should be a finite number",
        ),
        (
            # a price no model has: a call's cost would overflow, and show as not priced
            "model_prices:\n  claude-sonnet-4-6: {input: 1.0e+308, output: 1}\n",
            "at 'model_prices.claude-sonnet-4-6.input': Input should be less than or equal to"
            " 10000",
        ),
        (
            "model_prices:\n  claude-sonnet-4-6: {input: 3, output: 15, cache_read: 1.0e+99}\n",
            "at 'model_prices.claude-sonnet-4-6.cache_read': Input should be less than or equal",
        ),
        (
            "model_prices:\n  claude-sonnet-4-6: {inptu: 3}\n",
            "at 'model_prices.claude-sonnet-4-6.inptu': unknown key",
        ),
        (
            "model_prices:\n  mistral-large: {input: 2}\n",
            "at 'model_prices.mistral-large.output': Field required",
        ),
        ("model_prices:\n  gpt-4o: 2.5\n", "at 'model_prices.gpt-4o': Input should be a valid"),
        ("model_prices: [gpt-4o]\n", "at 'model_prices': Input should be a valid dictionary"),
        ("prices:\n  gpt-4o: {input: 1, output: 2}\n", "at 'prices': unknown key"),
        ("model_prices:\n  gpt-4o: {input: 1\n", ":3:1: not valid YAML"),
        ("- gpt-4o\n", "expected a mapping of keys at the top, found list"),
    ],
)
def test_a_bad_price_file_names_the_file_the_key_and_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert str(path) in raised.value.message
    assert message in raised.value.message
    assert "Traceback" not in raised.value.message


def test_a_price_file_that_is_not_text_is_refused_plainly(tmp_path: Path) -> None:
    path = tmp_path / "model_prices.yaml"
    path.write_bytes(b"\x00\xff\xfe binary")
    with pytest.raises(ConfigError) as raised:
        load_model_prices(tmp_path)
    assert str(path) in raised.value.message
