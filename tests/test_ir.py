"""The IR: formats, shape rules, the checker's diagnostics and .nnc round trips."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nncodegen.ir import (FLOAT32, GraphBuilder, GraphError, Node, QFormat, Tensor, check_graph,
                          format_from_json, load_graph)


def test_qformat_rounds_half_up_and_saturates():
    f = QFormat(8, 2)
    np.testing.assert_array_equal(f.quantize(np.array([0.125, -0.125, 0.375, 100.0, -100.0])),
                                  [1, 0, 2, 127, -128])
    assert str(f) == "Q5.2" and f.qmin == -128 and f.qmax == 127


@settings(max_examples=50, deadline=None)
@given(bits=st.sampled_from([8, 16]), frac=st.integers(-4, 20), seed=st.integers(0, 1000))
def test_qformat_error_is_at_most_half_an_lsb_inside_the_range(bits, frac, seed):
    f = QFormat(bits, frac)
    lsb = 2.0 ** -frac
    x = np.random.default_rng(seed).uniform(f.qmin * lsb, f.qmax * lsb, size=100)
    assert np.abs(f.dequantize(f.quantize(x)) - x).max() <= lsb / 2 + 1e-12 * abs(x).max()


def test_per_channel_format_json_round_trip():
    f = QFormat(8, (3, 4, 5), 0)
    assert format_from_json(f.to_json()) == f
    assert format_from_json(FLOAT32.to_json()) == FLOAT32
    w = np.ones((3, 2))
    np.testing.assert_array_equal(f.quantize(w)[:, 0], [8, 16, 32])
    with pytest.raises(ValueError):
        QFormat(12, 3)


def _tiny():
    b = GraphBuilder("t")
    x = b.input((1, 4, 4, 2))
    y = b.conv2d(x, np.ones((3, 3, 3, 2)), np.zeros(3), pads=(1, 1, 1, 1))
    return b, b.finish(b.relu(y))


def test_checker_names_the_node_with_a_wrong_shape():
    _, g = _tiny()
    g.tensors[g.nodes[0].outputs[0]].shape = (1, 4, 4, 4)
    with pytest.raises(GraphError, match=r"node 'conv2d_1' \(conv2d\).*declared \(1, 4, 4, 4\)"):
        check_graph(g)


def test_checker_rejects_use_before_definition_and_unknown_ops():
    _, g = _tiny()
    g.nodes.reverse()
    with pytest.raises(GraphError, match="before it is produced"):
        check_graph(g)
    _, g = _tiny()
    g.nodes[1].op = "frobnicate"
    with pytest.raises(GraphError, match="unknown IR op 'frobnicate'"):
        check_graph(g)
    _, g = _tiny()
    g.nodes[0].attrs["stride"] = 2
    with pytest.raises(GraphError, match=r"unknown attributes \['stride'\]"):
        check_graph(g)


def test_shape_rules():
    b = GraphBuilder()
    x = b.input((1, 7, 9, 4))
    y = b.conv2d(x, np.ones((6, 3, 3, 2)), groups=2, strides=(2, 3), pads=(1, 0, 1, 2), dilations=(1, 2))
    assert b.g.tensors[y].shape == (1, 4, 3, 6)
    t = b.op("conv_transpose2d", [x, np.ones((5, 2, 2, 4))], strides=(2, 2))
    assert b.g.tensors[t].shape == (1, 14, 18, 5)
    c = b.concat(x, x, axis=-1)
    assert b.g.tensors[c].shape == (1, 7, 9, 8)
    with pytest.raises(GraphError, match="do not broadcast"):
        b.add(x, np.ones(3))
    with pytest.raises(GraphError, match="input channels 4 != weight Cin 3"):
        b.conv2d(x, np.ones((2, 1, 1, 3)))


def test_nnc_round_trip_keeps_everything(tmp_path):
    _, g = _tiny()
    g.tensors[g.inputs[0]].fmt = QFormat(8, 5)
    g.tensors[g.nodes[0].inputs[1]].qdata = np.ones((3, 3, 3, 2), np.int8)
    g.tensors[g.nodes[0].inputs[1]].fmt = QFormat(8, (6, 6, 7), 0)
    g.meta["quantization"] = {"scheme": "q7"}
    g.save(tmp_path / "g.nnc")
    h = load_graph(tmp_path / "g.nnc")
    assert [n.op for n in h.nodes] == [n.op for n in g.nodes]
    assert h.nodes[0].attrs == g.nodes[0].attrs
    assert h.tensors[h.inputs[0]].fmt == QFormat(8, 5)
    w = h.tensors[h.nodes[0].inputs[1]]
    assert w.fmt == QFormat(8, (6, 6, 7), 0) and w.qdata.dtype == np.int8
    assert h.meta == g.meta


def test_corrupt_nnc_is_a_clear_error(tmp_path):
    p = tmp_path / "bad.nnc"
    p.write_bytes(b"not a zip")
    with pytest.raises(GraphError, match="bad.nnc: not a valid .nnc file"):
        load_graph(p)
