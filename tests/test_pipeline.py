"""Whole-model checks on graphs built in code: quantize -> lower -> plan -> C -> cffi.

For every graph and number format: the C output equals the numpy simulator
bit for bit (integer formats) or within float32 rounding (float), and the
simulator stays close to the float reference.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nncodegen
from nncodegen.ir import GraphBuilder, GraphError
from nncodegen.lower.lower import accumulator_bound, lower, Ctx
from nncodegen.passes.quantize import max_abs_frac


def he(rng, *shape):
    fan_in = int(np.prod(shape[1:]))
    return rng.normal(size=shape) * np.sqrt(2.0 / fan_in)


def g_cnn(seed=0):
    rng = np.random.default_rng(seed)
    b = GraphBuilder("cnn")
    x = b.input((1, 10, 10, 3))
    y = b.conv2d(x, he(rng, 8, 3, 3, 3), rng.normal(size=8) * 0.1, pads=(1, 1, 1, 1), act="relu")
    y = b.maxpool(y, kernel=(3, 3), strides=(2, 2), pads=(1, 1, 1, 1))
    y2 = b.conv2d(y, he(rng, 8, 3, 3, 1), None, pads=(1, 1, 1, 1), groups=8, act="relu6")
    y2 = b.conv2d(y2, he(rng, 8, 1, 1, 8), rng.normal(size=8) * 0.1, act="leaky_relu", alpha=0.1)
    y = b.add(y, y2, act="relu")
    y = b.avgpool(y, kernel=(2, 2), strides=(1, 1), pads=(0, 0, 1, 1))
    y = b.global_avgpool(y)
    y = b.reshape(y, shape=(1, 8))
    y = b.dense(y, he(rng, 6, 8), rng.normal(size=6) * 0.1)
    y = b.softmax(y)
    return b.finish(y)


def g_fire_shuffle(seed=0):
    rng = np.random.default_rng(seed)
    b = GraphBuilder("fire")
    x = b.input((1, 8, 8, 8))
    s = b.conv2d(x, he(rng, 4, 1, 1, 8), rng.normal(size=4) * 0.1, act="relu")
    e1 = b.conv2d(s, he(rng, 6, 1, 1, 4), None, act="relu")
    e3 = b.conv2d(s, he(rng, 6, 3, 3, 4), None, pads=(1, 1, 1, 1), act="relu")
    y = b.concat(e1, e3, axis=3)
    y = b.channel_shuffle(y, groups=3)
    y = b.conv2d(y, he(rng, 12, 3, 3, 4), None, pads=(1, 1, 1, 1), groups=3, strides=(2, 2))
    y = b.prelu(y, rng.uniform(0.05, 0.3, size=12))
    y = b.mul(y, rng.uniform(0.5, 1.5, size=12))
    y = b.sub(y, rng.normal(size=12) * 0.1)
    y = b.sigmoid(y)
    return b.finish(y)


def g_encdec(seed=0):
    rng = np.random.default_rng(seed)
    b = GraphBuilder("encdec")
    x = b.input((1, 8, 8, 2))
    s = b.conv2d(x, he(rng, 4, 3, 3, 2), None, pads=(1, 1, 1, 1), act="relu")
    d = b.maxpool(s, kernel=(2, 2), strides=(2, 2))
    d = b.conv2d(d, he(rng, 6, 3, 3, 4), None, pads=(1, 1, 1, 1), act="relu")
    u1 = b.op("conv_transpose2d", [d, he(rng, 4, 2, 2, 6), rng.normal(size=4) * 0.1], strides=(2, 2))
    u2 = b.resize(d, size=(8, 8), mode="nearest")
    u3 = b.resize(d, size=(8, 8), mode="bilinear", coord="half_pixel")
    y = b.concat(s, u1, u2, u3, axis=3)
    y = b.pad(y, pads=(0, 0, 1, 0, 0, 1, 0, 0), mode="constant", value=0.0)
    y = b.conv2d(y, he(rng, 3, 3, 3, 20), None, act="clip", act_min=-1.0, act_max=2.0)
    y = b.tanh(y)
    y = b.transpose(y, perm=(0, 3, 1, 2))
    y = b.hard_swish(y)
    return b.finish(y)


def g_mlp(seed=0):
    rng = np.random.default_rng(seed)
    b = GraphBuilder("mlp")
    x = b.input((1, 20))
    y = b.dense(x, he(rng, 32, 20), rng.normal(size=32) * 0.1, act="relu")
    y = b.hard_sigmoid(y)
    y = b.dense(y, he(rng, 16, 32), None)
    y = b.leaky_relu(y, alpha=0.2)
    y = b.clip(y, min=-0.5, max=1.5)
    y = b.dense(y, he(rng, 4, 16), rng.normal(size=4) * 0.1)
    return b.finish(y)


GRAPHS = {"cnn": g_cnn, "fire_shuffle": g_fire_shuffle, "encdec": g_encdec, "mlp": g_mlp}


def inputs_for(g, n, seed=1):
    shape = g.tensors[g.inputs[0]].shape
    return np.random.default_rng(seed).normal(size=(n,) + tuple(shape[1:])).astype(np.float32)


@pytest.mark.parametrize("scheme", ["f32", "q7", "q15"])
@pytest.mark.parametrize("gname", sorted(GRAPHS))
def test_c_matches_simulator_and_reference(tmp_path, gname, scheme):
    g = GRAPHS[gname]()
    calib = inputs_for(g, 64, seed=2)
    x = inputs_for(g, 24, seed=3)
    if scheme != "f32":
        g = nncodegen.quantize(g, calib, scheme)
    out = nncodegen.generate(g, tmp_path / "out", name=gname)
    cm = nncodegen.build(out)
    if scheme == "f32":
        yc = cm.run(x)
        ys = nncodegen.simulate(g, x)
        yr = nncodegen.reference(g, x)
        scale = max(1.0, float(np.abs(yr).max()))
        # float32 C vs float64 reference: a few ulps per layer
        np.testing.assert_allclose(yc, yr, atol=1e-4 * scale, rtol=0)
        np.testing.assert_allclose(yc, ys, atol=1e-5 * scale, rtol=0)
        return
    raw_c = cm.run_raw(cm.quantize_input(x))
    raw_s = nncodegen.simulate(g, x, raw=True)
    mism = np.argwhere(raw_c != raw_s)
    assert mism.size == 0, f"C != simulator at {mism[:5].tolist()}: {raw_c[tuple(mism[0])]} vs {raw_s[tuple(mism[0])]}"
    yr = nncodegen.reference(g, x).reshape(raw_c.shape)
    yq = cm.out_fmt.dequantize(raw_c)
    cos = float(np.sum(yq * yr) / (np.linalg.norm(yq) * np.linalg.norm(yr)))
    # q7 keeps ~7 bits per layer; q15 ~15: cosine bounds with margin for 6-12 layers of rounding
    assert cos > (0.97 if scheme == "q7" else 0.9995), cos


@pytest.mark.parametrize("gname", sorted(GRAPHS))
def test_trace_build_reports_every_layer(tmp_path, gname):
    g = nncodegen.quantize(GRAPHS[gname](), inputs_for(GRAPHS[gname](), 32), "q7")
    out = nncodegen.generate(g, tmp_path / "out", name=gname)
    cm = nncodegen.build(out, trace=True)
    x = inputs_for(g, 1, seed=5)
    layers = cm.run_trace(cm.quantize_input(x)[0])
    _, traces = nncodegen.simulate(g, x, raw=True, trace=True)
    assert len(layers) == len(g.nodes)
    for node, c in zip(g.nodes, layers):
        np.testing.assert_array_equal(c, traces[0][node.outputs[0]].reshape(c.shape), err_msg=node.name)


def _check_plan(g, prog):
    """No two arena tensors that are live at once overlap in memory (unless one aliases the other)."""
    order = {n.name: i for i, n in enumerate(g.nodes)}
    first, last = {g.inputs[0]: -1}, {}
    for i, n in enumerate(g.nodes):
        first[n.outputs[0]] = i
        for x in n.inputs:
            last[x] = i
    alias = {}
    for n in g.nodes:
        if n.op == "reshape":
            alias[n.outputs[0]] = n.inputs[0]
    arena = [t for t, b in prog.buffers.items() if b.where == "arena"]
    for i, a in enumerate(arena):
        for b in arena[i + 1:]:
            ba, bb = prog.buffers[a], prog.buffers[b]
            if ba.offset + ba.nbytes <= bb.offset or bb.offset + bb.nbytes <= ba.offset:
                continue
            la = (first[a], last.get(a, first[a]))
            lb = (first[b], last.get(b, first[b]))
            overlap_time = not (la[1] < lb[0] or lb[1] < la[0])
            if not overlap_time:
                continue
            # allowed: reshape aliases and an in-place write over an input that dies there
            ok = alias.get(a) == b or alias.get(b) == a or la[1] == lb[0] or lb[1] == la[0]
            assert ok, f"{a} {la} and {b} {lb} overlap in the arena"
    # in-place convolutions may take the arena below the out-of-place lower bound, but never below the
    # bound of the storage actually planned nor above the out-of-place plan; their scratch is apart
    # from every tensor live at their call
    assert prog.arena_lower_bound <= prog.arena_out_of_place
    assert prog.arena_plan_lower_bound <= prog.arena_bytes <= prog.arena_out_of_place
    from test_inplace import check_scratch
    check_scratch(g, prog)


@pytest.mark.parametrize("gname", sorted(GRAPHS))
def test_memory_plan_is_sound(gname):
    g = GRAPHS[gname]()
    prog = lower(g)
    _check_plan(g, prog)


@settings(max_examples=25, deadline=None)
@given(depth=st.integers(2, 7), width=st.integers(1, 12), skip=st.booleans(), seed=st.integers(0, 10_000))
def test_memory_plan_random_chains(depth, width, skip, seed):
    rng = np.random.default_rng(seed)
    b = GraphBuilder("chain")
    x = b.input((1, 6, 6, width))
    ys = [x]
    for i in range(depth):
        c = int(rng.integers(1, 12))
        y = b.conv2d(ys[-1], rng.normal(size=(c, 1, 1, b.g.tensors[ys[-1]].shape[3])), None)
        if skip and len(ys) > 2 and b.g.tensors[ys[-2]].shape == b.g.tensors[y].shape:
            y = b.add(y, ys[-2])
        ys.append(y)
    g = b.finish(ys[-1])
    _check_plan(g, lower(g))


def test_accumulator_proof_picks_wide_when_needed():
    rng = np.random.default_rng(0)
    b = GraphBuilder("big")
    x = b.input((1, 4096))
    y = b.dense(x, np.ones((2, 4096)), None)
    g = nncodegen.quantize(b.finish(y), rng.normal(size=(8, 4096)), "q7")
    ctx = Ctx(g)
    node = g.nodes[0]
    # every weight is 1.0 -> int8 64 at frac 6: 4096 * 64 * 128 = 2^25 < 2^31: int32 is proven safe
    assert accumulator_bound(ctx, node) == 4096 * 64 * 128
    assert lower(g).calls[0].kernel == "dense_q7"
    g15 = nncodegen.quantize(b.finish(y), rng.normal(size=(8, 4096)), "q15")
    assert lower(g15).calls[0].kernel == "dense_q15"  # 4096 * 2^14 * 2^15 > 2^31: int64


def test_max_abs_frac():
    assert max_abs_frac(1.0, 8) == 6      # 1.0 * 2^6 = 64 fits, 2^7 = 128 does not
    assert max_abs_frac(0.99, 8) == 7
    assert max_abs_frac(6.0, 16) == 12
    assert max_abs_frac(0.0, 8) == 7


def test_bad_input_shape_is_a_clear_error(tmp_path):
    g = g_mlp()
    with pytest.raises(GraphError, match=r"expected shape \(N, 20\)"):
        nncodegen.simulate(g, np.zeros((3, 21), np.float32))
    out = nncodegen.generate(g, tmp_path / "o", name="mlp")
    cm = nncodegen.build(out)
    with pytest.raises(GraphError, match="expected shape"):
        cm.run(np.zeros((2, 5), np.float32))
    with pytest.raises(GraphError, match="dtype"):
        cm.run(np.array([["a"] * 20]))


def test_failed_generation_leaves_no_directory(tmp_path, monkeypatch):
    from nncodegen.codegen import emit
    g = g_mlp()

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(emit, "write_report_md", boom)
    with pytest.raises(RuntimeError):
        nncodegen.generate(g, tmp_path / "o")
    assert not (tmp_path / "o").exists()
    assert not list(tmp_path.iterdir())


def test_nnc_round_trip(tmp_path):
    g = nncodegen.quantize(g_cnn(), inputs_for(g_cnn(), 16), "q7")
    g.save(tmp_path / "m.nnc")
    g2 = nncodegen.load(tmp_path / "m.nnc")
    x = inputs_for(g, 4)
    np.testing.assert_array_equal(nncodegen.simulate(g, x, raw=True), nncodegen.simulate(g2, x, raw=True))
