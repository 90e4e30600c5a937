"""ONNX backend node tests through the float C path (nncodegen/conformance/).

Every node test of every op the importer handles is compiled, built (all cases in one cffi module,
cached by content), run and compared with the test's expected output.  A case that is not applicable
is skipped with its reason; a case that runs must pass.  The README table and docs/CONFORMANCE.md
must be what this run measures.
"""
import re

import numpy as np
import onnx
import pytest

from nncodegen import conformance as conf

pytestmark = pytest.mark.skipif(conf.node_data_dir() is None,
                                reason="this onnx wheel ships no backend node test data")

CASES = [c.name for c in conf.collect_cases()] if conf.node_data_dir() is not None else []


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return conf.run_suite(tmp_path_factory.mktemp("conformance"))


@pytest.fixture(scope="module")
def by_name(results):
    return {r.name: r for r in results}


@pytest.mark.parametrize("name", CASES)
def test_node(name, by_name):
    r = by_name[name]
    if r.status == "n/a":
        pytest.skip(f"n/a: {r.category}")
    assert r.status == "pass", f"{name} ({r.mode}): {r.reason}"


def test_every_supported_op_has_cases_and_passes_some(results):
    ops = {r.op for r in results}
    assert set(conf.OPS) == ops
    passing = {r.op for r in results if r.status == "pass"}
    # ops whose every node test needs non-float32 data or has no input
    assert set(conf.OPS) - passing == {"Cast", "Constant"}


def test_counts_do_not_shrink(results):
    # the floor of what passed when the suite was written; raise it as coverage grows
    assert sum(r.status == "pass" for r in results) >= 202
    assert all(r.reason for r in results if r.status == "n/a")


def test_divergent_cases_match_onnxruntime(by_name):
    ort = pytest.importorskip("onnxruntime")
    for name in conf.DIVERGENT:
        r = by_name[name]
        assert r.status in ("pass", "n/a") and r.output is not None, r.reason
        sess = ort.InferenceSession(r.model.SerializeToString(), providers=["CPUExecutionProvider"])
        iname = sess.get_inputs()[0].name
        want = np.concatenate([sess.run(None, {iname: r.samples[i:i + 1]})[0] for i in range(len(r.samples))])
        np.testing.assert_allclose(r.output, want, rtol=1e-5, atol=1e-6, err_msg=name)


def _readme_version(text):
    m = re.search(r"ONNX (\S+) backend node tests", text)
    return m.group(1) if m else None


def test_readme_and_docs_are_current(results):
    root = conf.repo_root()
    readme = (root / "README.md").read_text()
    if _readme_version(readme) != onnx.__version__:
        pytest.skip(f"the tables were generated with onnx {_readme_version(readme)}, this is {onnx.__version__}")
    want = conf.replace_readme_block(readme, conf.readme_block(results))
    assert readme == want, "README.md's conformance table is stale: run python -m nncodegen.conformance --write"
    doc = (root / "docs" / "CONFORMANCE.md").read_text()
    assert doc == conf.conformance_doc(results), \
        "docs/CONFORMANCE.md is stale: run python -m nncodegen.conformance --write"


def test_leading_axis_rewrites_are_exact():
    # the harness's own rewrites, checked with onnx.reference on random data of other shapes
    from onnx import helper
    rng = np.random.default_rng(0)
    cases = [("Softmax", {"axis": 0}), ("Softmax", {}), ("Concat", {"axis": -2}), ("Flatten", {"axis": 2}),
             ("Transpose", {"perm": [2, 0, 1]}), ("Transpose", {}), ("Unsqueeze", {}), ("Reshape", {}),
             ("Pad", {}), ("ReduceMean", {"keepdims": 0})]
    for op, attrs in cases:
        x = rng.standard_normal((2, 3, 4)).astype(np.float32)
        ins, inits = ["x"], []
        if op == "Concat":
            inits.append(onnx.numpy_helper.from_array(rng.standard_normal((2, 3, 4)).astype(np.float32), "c"))
            ins.append("c")
        elif op == "Unsqueeze":
            inits.append(onnx.numpy_helper.from_array(np.array([0, 2], np.int64), "c"))
            ins.append("c")
        elif op == "Reshape":
            inits.append(onnx.numpy_helper.from_array(np.array([4, 0, -1], np.int64), "c"))
            ins.append("c")
        elif op == "Pad":
            inits.append(onnx.numpy_helper.from_array(np.array([1, 0, 2, 0, 1, 1], np.int64), "c"))
            ins.append("c")
        g = helper.make_graph([helper.make_node(op, ins, ["y"], **attrs)], "t",
                              [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 3, 4])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)], inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
        y = conf._ref_run(m, x)
        how = conf._lead_node(m, 3)
        assert how in ("lead", "same"), op
        conf._set_input_shape(m, (1, 2, 3, 4))
        y2 = conf._ref_run(m, x[None])
        np.testing.assert_array_equal(y2, y[None] if how == "lead" else y, err_msg=f"{op} {attrs}")


def test_cmodel_output_whose_first_axis_is_not_one(tmp_path):
    # Flatten(axis=2) of (1, C, H, W) is (C, H*W): one C call writes C*H*W values, and CModel.run
    # concatenates the samples on axis 0 as the reference does (it once wrote past its output array)
    import nncodegen
    from onnx import helper
    from nncodegen.frontends.onnx_import import load_onnx
    n = helper.make_node("Flatten", ["x"], ["y"], axis=2)
    m = helper.make_model(helper.make_graph([n], "g", [helper.make_tensor_value_info("x", 1, [1, 3, 4, 5])],
                                            [helper.make_tensor_value_info("y", 1, None)]),
                          opset_imports=[helper.make_opsetid("", 13)])
    g = load_onnx(m, name="flat2")
    nncodegen.generate(g, tmp_path / "flat2", name="flat2")
    x = np.random.default_rng(0).standard_normal((4, 4, 5, 3)).astype(np.float32)
    y = nncodegen.build(tmp_path / "flat2").run(x)
    assert y.shape == (12, 20)
    np.testing.assert_array_equal(y, nncodegen.reference(g, x))


@pytest.mark.slow
def test_cases_rebuilt_by_onnx_generators(tmp_path):
    # what newer onnx wheels (no data files) use: collect_testcases() in a fresh process (it runs once)
    import subprocess
    import sys
    names = ["test_conv_with_strides_padding", "test_gemm_transposeA", "test_softmax_axis_0", "test_relu",
             "test_resize_upsample_scales_linear", "test_cast_FLOAT_to_DOUBLE"]
    cmd = [sys.executable, "-m", "nncodegen.conformance", "--source", "generators", "--workdir", str(tmp_path)]
    for n in names:
        cmd += ["-k", n]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=str(conf.repo_root()))
    assert r.returncode == 0, r.stdout + r.stderr
    status = {ln.split()[1]: ln.split()[0] for ln in r.stdout.splitlines() if ln[:4] in ("pass", "fail", "n/a ")}
    assert status == {**{n: "pass" for n in names[:-1]}, "test_cast_FLOAT_to_DOUBLE": "n/a"}, r.stdout
