"""`nncodegen verify --html` / `report --html` and the per-layer metrics (issue 14).

On the shipped MNIST CNN quantized to q7 with its calibration data (conv, depthwise conv, maxpool,
reshape, dense): the verify JSON keeps CONTRACT.md's keys and adds one entry per layer; the page lists
every layer and embeds at least 3 PNG plots; headless Chromium renders it with no console message,
decodes every picture, and the numbers it shows are the JSON's.  In CI (CI=true) a missing chromium
fails the browser test; elsewhere it is skipped with the reason.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

import nncodegen
from nncodegen.cli import main
from nncodegen.codegen.sanitize import html_text

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
CONTRACT_KEYS = {"target", "n_samples", "bit_exact", "max_abs_diff_vs_sim", "float_ref", "accuracy",
                 "first_divergent_layer"}
LAYER_KEYS = {"name", "op", "rmse", "mae", "max_abs_err", "l2_rel_err", "cosine", "saturated_low",
              "saturated_high"}
N = 120  # samples: enough for a confusion matrix with every class, fast


@pytest.fixture(scope="module")
def verified(tmp_path_factory, examples_dir):
    ex = examples_dir / "mnist_cnn"
    d = tmp_path_factory.mktemp("vhtml")
    g = nncodegen.load(ex / "mnist_cnn.onnx")
    gq = nncodegen.quantize(g, np.load(ex / "calib.npy"), "q7")
    out = nncodegen.generate(gq, d / "mnist_q7", name="mnist")
    np.save(d / "x.npy", np.load(ex / "test_images.npy")[:N])
    np.save(d / "y.npy", np.load(ex / "test_labels.npy")[:N])
    rc = main(["verify", str(out), "--inputs", str(d / "x.npy"), "--labels", str(d / "y.npy"),
               "--json", str(d / "v.json"), "--html", str(d / "v.html")])
    assert rc == 0
    return {"graph": gq, "out": out, "json": json.loads((d / "v.json").read_text()),
            "html": (d / "v.html").read_text(encoding="utf-8"), "path": d / "v.html", "dir": d}


def _pngs(page):
    return re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)


def test_json_keeps_contract_and_adds_layers(verified):
    j, g = verified["json"], verified["graph"]
    assert CONTRACT_KEYS <= set(j)
    assert j["n_samples"] == N and j["bit_exact"] is True
    assert [l["name"] for l in j["layers"]] == [n.name for n in g.nodes]
    for l in j["layers"]:
        assert LAYER_KEYS <= set(l)
        assert l["n_values"] == N * int(np.prod(g.tensors[g.nodes[l["index"]].outputs[0]].shape))
        assert 0.99 < l["cosine"] <= 1.0 + 1e-12 and l["rmse"] <= l["max_abs_err"]
    # the last layer is the model's output: its error is the one verify reports for the output (C = simulator)
    last = j["layers"][-1]
    assert last["max_abs_err"] == pytest.approx(j["float_ref"]["max_abs_err"], rel=1e-6)
    assert last["rmse"] == pytest.approx(j["float_ref"]["rmse"], rel=1e-6)
    # the reshape layer copies its input: the same errors
    flat = next(l for l in j["layers"] if l["op"] == "reshape")
    prev = j["layers"][flat["index"] - 1]
    assert flat["rmse"] == prev["rmse"] and flat["saturated_high"] == prev["saturated_high"]


def test_saturation_counts_are_the_c_values_at_the_format_limits(verified):
    """Recount the first layer's saturated values from the C trace build directly."""
    g, out = verified["graph"], verified["out"]
    cm = nncodegen.build(out, trace=True)
    x = np.load(verified["dir"] / "x.npy")
    node = g.nodes[0]
    fmt = g.tensors[node.outputs[0]].fmt
    raw = np.stack([cm.run_trace(cm.quantize_input(x[i:i + 1])[0])[0] for i in range(N)])
    l0 = verified["json"]["layers"][0]
    assert l0["saturated_high"] == int(np.sum(raw == fmt.qmax)) and l0["saturated_low"] == int(np.sum(raw == fmt.qmin))
    assert l0["saturated_high"] > 0  # the q7 format chosen by MSE clips the first ReLU's largest values


def test_page_lists_every_layer_and_embeds_plots(verified):
    page, g = verified["html"], verified["graph"]
    for i, n in enumerate(g.nodes):
        assert f'<tr data-layer="{i}"' in page
        assert f'<td class="name">{html_text(n.name)}</td>' in page
    pngs = _pngs(page)
    assert len(pngs) >= 3
    for b in pngs:
        assert base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Confusion matrix" in page and "Memory plan" in page and "Precision profile" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # nothing fetched: opens offline


class _Cells(HTMLParser):
    """(data-key, data-value, shown text) of every number cell, per table row."""

    def __init__(self):
        super().__init__()
        self.cells, self._cur, self.row, self.body = [], None, None, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "tr":
            self.row = a.get("data-layer")
        if "data-key" in a:
            self._cur = [self.row, a["data-key"], a.get("data-value", ""), ""]

    def handle_data(self, data):
        if self._cur is not None:
            self._cur[3] += data

    def handle_endtag(self, tag):
        if self._cur is not None and tag in ("td", "span"):
            self.cells.append(tuple(self._cur))
            self._cur = None


def _chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        msg = "chromium is not installed (Debian package 'chromium'; .ci/run installs it)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return exe


def _render(exe, path, tmp):
    r = subprocess.run([exe, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={tmp}",
                        "--enable-logging=stderr", "--v=0", "--dump-dom", path.as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    console = [l for l in r.stderr.splitlines() if ":CONSOLE" in l]
    return r.stdout, console


def test_page_renders_in_chromium_and_shows_the_json_numbers(verified, tmp_path):
    exe = _chromium()
    dom, console = _render(exe, verified["path"], tmp_path / "profile")
    assert console == []
    p = _Cells()
    p.feed(dom)
    n_img = len(_pngs(verified["html"]))
    assert p.body.get("data-images-decoded") == f"{n_img}/{n_img}"  # the page's script ran, every PNG decoded
    j = verified["json"]
    layer_cells = [c for c in p.cells if c[0] is not None and c[1] in LAYER_KEYS | {"l2_rel_err"}]
    assert {int(c[0]) for c in layer_cells} == set(range(len(j["layers"])))
    for row, key, value, shown in layer_cells:
        want = j["layers"][int(row)][key]
        if want is None:
            assert value == "" and shown == "-"
        elif isinstance(want, int):
            assert int(value) == want and shown == f"{want:,}"
        else:
            assert float(value) == want
            assert float(shown) == pytest.approx(want, rel=1e-3, abs=1e-6)
    top = {c[1]: c for c in p.cells if c[0] is None}
    for k in ("max_abs_err", "rmse", "cosine", "top1_agreement"):
        assert float(top[f"float_ref.{k}"][2]) == j["float_ref"][k]
    assert float(top["accuracy"][2]) == j["accuracy"]


def test_bad_render_is_caught(tmp_path):
    """The console check of the browser test sees a script error."""
    exe = _chromium()
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>nosuchfunction();</script></body></html>")
    _, console = _render(exe, bad, tmp_path / "profile")
    assert any("nosuchfunction" in l for l in console)


def test_report_html_and_hostile_names(verified, tmp_path):
    """report --html for an output directory; a layer name holding markup is shown as text."""
    assert main(["report", str(verified["out"]), "--html", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    for i, n in enumerate(verified["graph"].nodes):
        assert f'<tr data-layer="{i}"' in page and html_text(n.name) in page
    assert len(_pngs(page)) >= 3  # weight histograms, precision profile, memory plan
    g = verified["graph"].copy()
    evil = '<img src=x onerror="alert(1)">&</td>'
    g.nodes[2].name = evil
    from nncodegen.codegen.report import build_report
    from nncodegen.harness.html_report import write_report_html
    from nncodegen.lower.lower import lower
    write_report_html(tmp_path / "evil.html", build_report(g, lower(g)), g)
    page = (tmp_path / "evil.html").read_text(encoding="utf-8")
    assert evil not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&lt;/td&gt;" in page
