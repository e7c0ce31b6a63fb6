"""Device facts: which CPUs compute in bf16 natively."""

import torch

from ganaug import devices


def test_cpu_flags_are_read_from_the_flags_line(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512bw\n")
    assert devices.cpu_flags(str(cpuinfo)) == {"fpu", "avx2", "avx512f", "avx512bw"}
    assert devices.cpu_flags(str(tmp_path / "absent")) is None


def test_avx512_without_bf16_is_not_native(monkeypatch):
    # oneDNN answers yes here, and emulates
    monkeypatch.setattr(devices, "cpu_flags", lambda: frozenset({"avx2", "avx512f", "avx512bw"}))
    assert not devices.native_bf16(torch.device("cpu"))


def test_avx512_bf16_or_amx_is_native(monkeypatch):
    for flag in ("avx512_bf16", "amx_bf16"):
        monkeypatch.setattr(devices, "cpu_flags", lambda flag=flag: frozenset({"avx512f", flag}))
        assert devices.native_bf16(torch.device("cpu"))


def test_without_cpu_flags_onednn_decides(monkeypatch):
    monkeypatch.setattr(devices, "cpu_flags", lambda: None)
    assert devices.native_bf16(torch.device("cpu")) == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
