import json

import numpy as np

from hasaki_hil.build import builder as build
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

from .test_quantize import pathology_data, pathology_model


def test_bench_on_the_emulated_uno_matches_the_emulator(tmp_path, cli):
    data = pathology_data(tmp_path / "v.csv", n=20, seed=1)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    path = tmp_path / "int8.variant"
    variant_mod.save(quantize.build(pathology_model(), ["int8", "int8"], X, "int8"), path)
    fw = build.build(path, "uno", harness="serial", out_dir=tmp_path / "fw")["firmware"]
    with EmulatedSerialBoard(fw["elf"], "uno") as port:
        code, out, err = cli(
            "bench", path, "--board", "uno", "--port", port, "--vectors", data, "--rows", "5", "--repeat", "4", "--json"
        )
    assert code == 0, err
    r = json.loads(out)
    assert r["provenance"] == "emulated" and r["cycles"]["min"] > 0  # the port serves an emulated core
    assert r["spread_per_vector"] == 0  # a deterministic core: the same vector costs the same every time
    assert r["ratio_emulated_link_to_emulator"] == 1.0 and "ratio_board_to_emulator" not in r
