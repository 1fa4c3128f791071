"""The NVS authorization record: made by Espressif's generator, read back by our parser."""

from __future__ import annotations

import pytest

from prodtool.families.esp.nvs import (
    AuthRecord,
    AuthRecordError,
    build_nvs_record,
    parse_nvs_record,
    read_nvs_strings,
)

RECORD = AuthRecord(
    uuid="uuid8a3f2b1c9d0e4f57",
    authkey="Kq3ZpL8vN2xR7tY1wE5uI9oA4sD6fG0h",
    product_id="p1abc",
    features=("ota", "ble"),
)


def test_round_trip() -> None:
    data = build_nvs_record(RECORD, namespace="tuya_auth", size=0x6000)
    assert len(data) == 0x6000
    assert parse_nvs_record(data, namespace="tuya_auth") == RECORD
    assert parse_nvs_record(data, namespace="other") is None
    assert RECORD.authkey not in repr(RECORD)


def test_corruption_is_detected() -> None:
    data = bytearray(build_nvs_record(RECORD, namespace="tuya_auth", size=0x3000))
    index = data.index(RECORD.authkey.encode())
    data[index] ^= 0x01
    with pytest.raises(AuthRecordError) as info:
        parse_nvs_record(bytes(data), namespace="tuya_auth")
    assert RECORD.authkey not in str(info.value)


def test_bad_sizes() -> None:
    with pytest.raises(AuthRecordError):
        build_nvs_record(RECORD, namespace="tuya_auth", size=0x1000)
    with pytest.raises(AuthRecordError):
        build_nvs_record(RECORD, namespace="x" * 16, size=0x3000)


def test_extra_keys_beside_the_license_and_taken_keys_refused() -> None:
    record = AuthRecord(uuid="u1", authkey="k" * 32)
    image = build_nvs_record(record, namespace="tuya", size=0x4000, extra={"serial": "S-1"})
    assert read_nvs_strings(image)[("tuya", "serial")] == "S-1"
    assert parse_nvs_record(image, namespace="tuya") == record
    for bad in ("uuid", "", "x" * 16):
        with pytest.raises(AuthRecordError):
            build_nvs_record(record, namespace="tuya", size=0x4000, extra={bad: "S"})
