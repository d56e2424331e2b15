"""Signatures against the exchanges' documented examples (our own copies of them)."""

from levkit.http.signing import hmac_sha256_hex
from levkit.venues.bingx.dialect import bingx_param_string, bingx_signature
from levkit.venues.bybit.dialect import bybit_v5_string_to_sign
from levkit.venues.bybit_legacy.dialect import bybit_v2_param_string, bybit_v2_signature

# Bybit v5 guide (docs/v5/guide.mdx): documented strings-to-sign.
BYBIT_V5_EXAMPLES = [
    (
        "1658384314791",
        "XXXXXXXXXX",
        "5000",
        "category=option&symbol=BTC-29JUL22-25000-C",
        "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C",
    ),
    (
        "1658385579423",
        "XXXXXXXXXX",
        "5000",
        '{"category": "option"}',
        '1658385579423XXXXXXXXXX5000{"category": "option"}',
    ),
]

# BingX 2023 swap v2 docs: the published example secret (public sample, not a real key).
BINGX_DOC_SECRET = (
    "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w"
)


def test_bybit_v5_string_to_sign_matches_documented_examples():
    for ts, key, window, payload, expected in BYBIT_V5_EXAMPLES:
        assert bybit_v5_string_to_sign(ts, key, window, payload) == expected


def test_bingx_signature_reproduces_2023_doc_vector():
    params = {"symbol": "BTC-USDT", "timestamp": 1667872120843, "side": "LONG", "leverage": 6}
    payload = bingx_param_string(params)
    assert payload == "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
    assert bingx_signature(BINGX_DOC_SECRET, payload) == (
        "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf"
    )


def test_bingx_signature_reproduces_2023_doc_mixed_vector():
    payload = "symbol=BTC-USDT&timestamp=1668159715051side=LONG&leverage=6"
    assert bingx_signature(BINGX_DOC_SECRET, payload) == (
        "8b756b01e7a30f02e19c58a91ab01b29528694316b08a51ecb8dd072942bd47d"
    )


def test_bybit_v2_signs_sorted_parameters_without_sign():
    params = {"symbol": "BTCUSD", "leverage": 5, "api_key": "k", "timestamp": 1, "sign": "x"}
    assert bybit_v2_param_string(params) == "api_key=k&leverage=5&symbol=BTCUSD&timestamp=1"
    assert bybit_v2_signature("s", params) == hmac_sha256_hex(
        "s", "api_key=k&leverage=5&symbol=BTCUSD&timestamp=1"
    )
