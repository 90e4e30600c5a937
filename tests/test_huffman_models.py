"""--compress huffman end to end on the pruned + shared LeNet-300-100 and LeNet-5 of examples/deep_compression
(q7): the sparse + codebook layers' streams stored Huffman-coded and decoded in row blocks into arena scratch by
huffman_decode_block_u8, each block before the kernel runs its rows (a layer of one block: decoded whole by
huffman_decode_u8); also with small block budgets (many blocks).  The C's outputs equal the --compress auto
build's (the uncoded layout) and the simulator's, bit for bit; report.json's weight_bytes is the const arrays of
the generated C (per layer and in total), and smaller than the uncoded build's; the arena holds one block."""
from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest

import nncodegen
from nncodegen.compress import huffman_store as hs
from nncodegen.harness.cmodel import CModel
from nncodegen.passes.compress_weights import compress_weights

from conftest import EXAMPLES

SIZE = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4, "uint32_t": 4, "float": 4}


@pytest.fixture(scope="module", params=[("lenet300", None), ("lenet5", None), ("lenet300", 150), ("lenet5", 200)])
def builds(request, tmp_path_factory):
    """(arch, {mode: (graph, outdir, report)}, x); a block budget (bytes) other than huffman_store.BLOCK_BYTES:
    many small blocks."""
    arch, budget = request.param
    d = tmp_path_factory.mktemp(f"huff_{arch}")
    src = d / f"{arch}.onnx"
    src.write_bytes(gzip.decompress((EXAMPLES / "deep_compression" / f"{arch}_pruned_shared.onnx.gz").read_bytes()))
    mn = EXAMPLES / "mnist_cnn"
    g = nncodegen.load(src)
    g.meta["compress"] = "auto"  # shared weights keep one frac per tensor (as nncodegen compile does)
    gq = nncodegen.quantize(g, np.load(mn / "calib.npy"), "q7")
    x = np.load(mn / "test_images.npy")[:200].astype(np.float32)
    out = {}
    keep, out["budget"] = hs.BLOCK_BYTES, budget
    try:
        if budget:
            hs.BLOCK_BYTES = budget
        for mode in ("auto", "huffman"):
            gc = compress_weights(gq, mode)
            outdir = nncodegen.generate(gc, d / mode, name="m")
            out[mode] = (gc, outdir, json.loads((outdir / "report.json").read_text()))
    finally:
        hs.BLOCK_BYTES = keep
    return arch, out, x


def test_outputs_equal_the_uncoded_build_and_the_simulator(builds):
    arch, b, x = builds
    gc, outdir, rep = b["huffman"]
    c = (outdir / "m.c").read_text()
    assert "huffman_decode_block_u8(" in c or "huffman_decode_u8(" in c, arch
    cm = CModel(outdir)
    xq = cm.quantize_input(x)
    y = cm.run_raw(xq)
    y_auto = CModel(b["auto"][1]).run_raw(xq)
    bad = np.argwhere(y != y_auto)
    assert not len(bad), f"{arch}: differs from the --compress auto build at {tuple(bad[0])}"
    sim = nncodegen.simulate(gc, x[:6], raw=True).reshape(y[:6].shape)
    assert np.array_equal(sim, y[:6]), f"{arch}: C differs from the simulator"


def test_weight_bytes_are_the_const_arrays(builds):
    arch, b, _ = builds
    _, outdir, rep = b["huffman"]
    c = (outdir / "m.c").read_text()
    arrays = re.findall(r"static const (\w+) c_(\w+)\[(\d+)\]", c)
    assert any(t == "uint16_t" for t, _, _ in arrays)  # the decode tables
    assert rep["weight_bytes"] == sum(SIZE[t] * int(n) for t, _, n in arrays)
    for layer in rep["layers"]:
        prefix = re.sub(r"\W", "_", layer["name"]) + "_"  # the C names of the layer's tensors ("/fc1/Gemm_w")
        mine = [SIZE[t] * int(n) for t, name, n in arrays if name.startswith(prefix)]
        assert layer["weight_bytes"] == sum(mine), layer["name"]
    coded = [l for l in rep["layers"] if l.get("compression", {}).get("huffman_stored")]
    assert coded and all({"huffman_decode_block_u8", "huffman_decode_u8"} & set(l["kernels"]) for l in coded
                         if l["compression"]["decode_scratch_bytes"])
    assert rep["weight_bytes"] < b["auto"][2]["weight_bytes"], arch


def test_arena_holds_one_block(builds):
    """Each decoding layer's scratch (a row block's decoded streams and the decoder's lookup tables) is in the arena,
    and bounded by the block budget: the arena is at most the uncoded build's plus the largest of them; the layers
    run in row blocks that cover their rows in order."""
    arch, b, _ = builds
    rep, rep_auto = b["huffman"][2], b["auto"][2]
    scratch = [l["compression"]["decode_scratch_bytes"] for l in rep["layers"]
               if l.get("compression", {}).get("huffman_stored")]
    assert max(scratch) > 0
    assert rep_auto["arena_bytes"] <= rep["arena_bytes"] <= rep_auto["arena_bytes"] + max(scratch)
    assert "decode_scratch_bytes" not in json.dumps(rep_auto)
    c = (b["huffman"][1] / "m.c").read_text()
    blocks = {}
    for kernel, args in re.findall(r"(\w+_sparse_codebook_rows\w*)\(([^;]*)\);", c):
        a = [v.strip() for v in args.split(",")]
        blocks.setdefault(a[3], []).append((int(a[11]), int(a[12])))  # row0, row1 after the bias
    assert blocks, arch
    for codebook, rows in blocks.items():
        assert rows[0][0] == 0 and all(p[1] == q[0] for p, q in zip(rows, rows[1:])), (codebook, rows)
    budget = b["budget"] or hs.BLOCK_BYTES
    assert max(scratch) <= budget + 3 * hs.LUT_BYTES or any(r1 - r0 == 1 for r in blocks.values() for r0, r1 in r)
    if b["budget"]:
        assert any(len(r) > 2 for r in blocks.values()), blocks


def test_per_layer_request(builds):
    """compress_layers {node: sparse_codebook_huffman} codes that layer only; the storage entry says so."""
    arch, b, _ = builds
    gq = b["auto"][0]  # compress_weights replaces the storage entries on a copy
    layer = [n for n in gq.nodes if n.op in ("conv2d", "dense")
             and gq.tensors[n.inputs[1]].meta.get("storage", {}).get("kind") == "sparse_codebook"][-1]
    gc = compress_weights(gq, "auto", {layer.name: "sparse_codebook_huffman"})
    flags = {n.name: gc.tensors[n.inputs[1]].meta.get("storage", {}).get("huffman") for n in gc.nodes
             if n.op in ("conv2d", "dense")}
    assert flags.pop(layer.name) is True
    assert not any(flags.values()), flags
    ga = compress_weights(gq, "auto")
    assert "huffman" not in json.dumps([ga.tensors[n.inputs[1]].meta.get("storage") for n in ga.nodes
                                        if n.op in ("conv2d", "dense")])


def test_lookup_tables_built_once_a_layer(builds):
    """Each coded stream's blocks, in order: the first call builds the decoder's lookup tables (tables 1), the
    later ones reuse them (0) from the same scratch, at its own offset, where no call's output starts (the planner
    keeps a layer's keyed scratch blocks apart; the end-to-end test above checks the results)."""
    arch, b, _ = builds
    c = (b["huffman"][1] / "m.c").read_text()
    calls = re.findall(r"huffman_decode_block_u8\(([^;]*)\);", c)
    if not calls:
        pytest.skip(f"{arch}: every coded layer is one block")
    per_stream = {}
    for args in calls:
        a = [v.strip() for v in args.split(",")]
        per_stream.setdefault(a[0], []).append((int(a[4]), int(a[8]), a[9]))
    luts = set()
    for table, seq in per_stream.items():
        assert [blk for blk, _, _ in seq] == list(range(len(seq))), table
        assert [t for _, t, _ in seq] == [1] + [0] * (len(seq) - 1), table
        assert len({lut for _, _, lut in seq}) == 1, table
        luts.add(seq[0][2])
    offs = {int(m) for m in re.findall(r"\(uint16_t \*\)\(void \*\)\(a \+ (\d+)\)", " ".join(luts))}
    assert len(offs) == len(luts)
    # the outputs (last argument) of every call: none starts inside a lookup table's 512 / 1024 bytes
    outs = [int(m) for m in re.findall(r"\(void \*\)\(a \+ (\d+)\)\);", c)]
    for o in offs:
        assert not any(o <= x < o + 512 for x in outs), (arch, o)
