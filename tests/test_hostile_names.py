"""Hostile strings in model files (issue 11): node, tensor and graph names, doc strings and file names that
hold comment terminators, newlines, line splices, trigraphs, preprocessor lines, quotes, HTML, terminal
escapes, non-ASCII, binary junk, 10 KB of text, or names that collide once sanitized.

The required property: nothing of a model string reaches the generated C outside comments (and string
literals), report.json keeps the names as data, report.md keeps its table shape, the terminal gets no
control characters.  Checked by lexing the C (trigraphs, line splices and comments handled as C99's
translation phases 1-3 do) and comparing its tokens with the same model under plain names: the hostile
names may change identifiers and comments, nothing else.  The C is built with gcc and clang in strict
C99 and run.
"""
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import nncodegen
from nncodegen import cli
from nncodegen.codegen.sanitize import (C99_SIGNIFICANT, NAME_LIMIT, CText, Namer, c_comment, c_ident, c_string,
                                        c_template_env, md_cell, term)
from nncodegen.ir.builder import GraphBuilder

MARK = "injected("  # in the code part of every hostile name; sanitized identifiers turn "(" into "_"
LONG = "A" * 10240
HOSTILE = [
    "*/ injected(1); /*",
    "n\n#include <stdio.h>\nint injected(void) { fprintf(stderr, \"pwned\"); return 0; }\n",
    "splice\\\ninjected(3);",
    "cr\rinjected(4);\r\n// injected(5);\\",
    "quote\"injected(6);\"'x'",
    "trigraph??/\ninjected(7); ??= ??( ??) ??< ??> ??' ??! ??-",
    "#include <stdlib.h>\n#define injected(x) x",
    "<script>alert(1)</script> | a | b |",
    "non-ascii: na\u00efve \u03a9\u03bc\u03ad\u03b3\u03b1 \U0001f600 \u202eRLO \u2028LS \ufeff",
    "junk " + "".join(chr(c) for c in range(1, 32)) + "\x7f\x80\x9b\x1b[31m" + "\\",
    "long " + LONG + " */ injected(8); /*",
    "a b", "a_b", "a-b", "a.b",  # the same identifier once sanitized
]
TRIGRAPHS = {"??=": "#", "??(": "[", "??/": "\\", "??)": "]", "??'": "^", "??<": "{", "??!": "|", "??>": "}",
             "??-": "~"}
_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>/\*.*?\*/|//[^\n]*) |
    (?P<str>L?"(?:\\.|[^"\\\n])*") | (?P<chr>L?'(?:\\.|[^'\\\n])*') |
    (?P<id>[A-Za-z_][A-Za-z0-9_]*) | (?P<num>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*) |
    (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-*/%+&^|]=|\#\#|[][(){}.&*+~!/%<>^|?:;=,\#-])
""", re.S | re.X)


def c_tokens(src: str):
    """C99 translation phases 1-3 on ``src``: trigraphs replaced, backslash-newlines spliced, comments
    removed; returns the preprocessing tokens (kind, text).  Fails on text C cannot tokenize (e.g. an
    unterminated comment or string)."""
    src = re.sub(r"\?\?[=(/)'<!>-]", lambda m: TRIGRAPHS[m.group()], src)
    src = src.replace("\\\n", "")
    out, i = [], 0
    while i < len(src):
        m = _TOKEN.match(src, i)
        assert m, f"C text does not tokenize at {src[i:i + 60]!r}"
        i = m.end()
        if m.lastgroup not in ("ws", "comment"):
            out.append((m.lastgroup, m.group()))
    return out


def shape_of(tokens):
    """Tokens with identifiers and string literals replaced by their kind (what names may change)."""
    return [k if k in ("id", "str") else t for k, t in tokens]


def c_files(outdir):
    return sorted(p for p in outdir.rglob("*") if p.suffix in (".c", ".h") or p.name == "CMakeLists.txt")


def check_output_dir(outdir, plain_outdir, names):
    """The properties every hostile output directory must have (see the module docstring)."""
    mine = {p.relative_to(outdir).as_posix() for p in c_files(outdir)}
    m = json.loads((outdir / "nncodegen.json").read_text())
    pm = json.loads((plain_outdir / "nncodegen.json").read_text())
    for p in c_files(outdir):
        raw = p.read_bytes()
        assert all(b < 0x80 for b in raw), f"{p.name}: non-ASCII bytes"
        text = raw.decode()
        assert "A" * 200 not in text, f"{p.name}: a 10 KB name was copied whole"
        assert max(len(line) for line in text.split("\n")) < 2000, p.name
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text), f"{p.name}: control characters"
        if p.suffix in (".c", ".h"):
            toks = c_tokens(text)
            code = "".join(t for k, t in toks if k not in ("str", "chr"))
            assert MARK not in code and "#define injected" not in code, f"{p.name}: model text outside comments"
            assert not [t for k, t in toks if k == "str" and "pwned" in t], f"{p.name}: model text in a string"
            for k, t in toks:
                if k == "id":
                    assert len(t) <= 100, f"{p.name}: identifier of {len(t)} characters"
    # same tokens as the plain-named model, up to identifiers and file names
    for rel in sorted(mine):
        prel = rel.replace(m["name"], pm["name"])
        if not rel.endswith((".c", ".h")):
            continue
        a = shape_of(c_tokens((outdir / rel).read_text()))
        b = shape_of(c_tokens((plain_outdir / prel).read_text()))
        assert a == b, f"{rel}: hostile names changed the C beyond identifiers and comments"
    # report.json: parses, and keeps the names as data
    rep = json.loads((outdir / "report.json").read_text())
    assert [l["name"] for l in rep["layers"]] == [l["name"] for l in m["layers"]]
    assert set(names) & {l["name"] for l in rep["layers"]}, "the hostile names are not in the report"
    # report.md: one heading line, every table row with the header's column count, no HTML, no controls
    md = (outdir / "report.md").read_text()
    assert "<script" not in md and not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", md)
    lines = md.split("\n")
    assert lines[0].startswith("# nncodegen report: ") and lines[1] == ""
    rows = [line for line in lines if line.startswith("|")]
    assert len(rows) == 2 + len(rep["layers"])
    assert {row.count("|") for row in rows} == {rows[0].count("|")}
    assert all(line.startswith(("#", "- ", "|")) or line == "" for line in lines), "a name split report.md"


def build_and_run(outdir, cc):
    """Build the project (model, runtime, main.c) with ``cc`` in strict C99 and run its example program."""
    exe = outdir / f"main_{cc}"
    srcs = [str(p) for p in [outdir / f"{json.loads((outdir / 'nncodegen.json').read_text())['name']}.c",
                             outdir / "main.c", *sorted((outdir / "runtime").glob("*.c"))]]
    r = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wshadow", "-Wvla", "-O1",
                        f"-I{outdir}", f"-I{outdir / 'runtime'}", *srcs, "-o", str(exe), "-lm"],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"{cc}:\n{r.stderr[:3000]}"
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 0 and "pwned" not in r.stdout + r.stderr
    return r.stdout


def compilers():
    ccs = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
    if os.environ.get("CI", "").lower() == "true":
        assert ccs == ["gcc", "clang"], "CI must have gcc and clang"
    return ccs


def chain_graph(names, graph_name, rng_seed=0):
    """input -> conv2d -> relu, relu, ... with the given node names (the builder names each output
    NAME_out, so the tensors carry the names too)."""
    rng = np.random.default_rng(rng_seed)
    b = GraphBuilder(graph_name)
    x = b.input((1, 5, 5, 2), name=names[0])
    w = rng.standard_normal((3, 3, 3, 2)).astype(np.float32) * 0.5
    y = b.conv2d(x, w, rng.standard_normal(3).astype(np.float32), name=names[1], strides=(1, 1), pads=(1, 1, 1, 1),
                 groups=1, dilations=(1, 1))
    for i, n in enumerate(names[2:]):
        y = b.relu(y, name=n) if i % 2 else b.op("sigmoid", [y], name=n)
    return b.finish(y)


@pytest.mark.parametrize("scheme", ["float32", "q7"])
def test_ir_graph_with_hostile_names_gives_clean_c(tmp_path, scheme):
    plain = [f"n{i}" for i in range(len(HOSTILE))]
    g_bad = chain_graph(HOSTILE, HOSTILE[1])
    g_ok = chain_graph(plain, "plain")
    if scheme == "q7":
        calib = np.random.default_rng(1).standard_normal((8, 5, 5, 2)).astype(np.float32)
        g_bad, g_ok = nncodegen.quantize(g_bad, calib, scheme="q7"), nncodegen.quantize(g_ok, calib, scheme="q7")
    bad = nncodegen.generate(g_bad, tmp_path / "bad")
    ok = nncodegen.generate(g_ok, tmp_path / "ok")
    check_output_dir(bad, ok, [n.name for n in g_bad.nodes])
    for cc in compilers():
        assert build_and_run(bad, cc) == build_and_run(ok, cc)
    x = np.random.default_rng(2).standard_normal((4, 5, 5, 2)).astype(np.float32)
    np.testing.assert_array_equal(nncodegen.build(bad).run(x), nncodegen.build(ok).run(x))


def _onnx_model(names, graph_name, doc):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(3)
    x_name, conv, conv_out, relu, relu_out, flat, flat_out, fc, y_name, w_name, b_name, fw_name, fb_name = names
    w = numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32) * 0.4, w_name)
    bias = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32) * 0.1, b_name)
    fw = numpy_helper.from_array(rng.standard_normal((3, 4 * 6 * 6)).astype(np.float32) * 0.1, fw_name)
    fb = numpy_helper.from_array(np.zeros(3, np.float32), fb_name)
    nodes = [helper.make_node("Conv", [x_name, w_name, b_name], [conv_out], name=conv, pads=[1, 1, 1, 1],
                              kernel_shape=[3, 3], doc_string=doc),
             helper.make_node("Relu", [conv_out], [relu_out], name=relu, doc_string=doc),
             helper.make_node("Flatten", [relu_out], [flat_out], name=flat, axis=1),
             helper.make_node("Gemm", [flat_out, fw_name, fb_name], [y_name], name=fc, transB=1)]
    graph = helper.make_graph(nodes, graph_name, [helper.make_tensor_value_info(x_name, TensorProto.FLOAT,
                                                                                [1, 1, 6, 6])],
                              [helper.make_tensor_value_info(y_name, TensorProto.FLOAT, [1, 3])],
                              [w, bias, fw, fb], doc_string=doc)
    m = helper.make_model(graph, producer_name=doc, doc_string=doc, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    m.metadata_props.add(key=doc, value=doc)
    onnx.checker.check_model(m)
    return m


ONNX_HOSTILE = [HOSTILE[1], HOSTILE[0], "a b", HOSTILE[2], "a_b", HOSTILE[4], "a-b", HOSTILE[5], HOSTILE[10],
                HOSTILE[3], HOSTILE[8], HOSTILE[6], HOSTILE[9]]


@pytest.mark.parametrize("quantize", ["none", "q7"])
def test_onnx_model_with_hostile_names_compiles_and_verifies(tmp_path, capsys, quantize):
    import onnx
    doc = HOSTILE[1] + HOSTILE[7]
    bad_file = tmp_path / "evil ??=\n*x m\u00e9.onnx"  # the file name goes into the C header comment too
    ok_file = tmp_path / "plain.onnx"
    onnx.save(_onnx_model(ONNX_HOSTILE, HOSTILE[0] + HOSTILE[9], doc), str(bad_file))
    onnx.save(_onnx_model([f"v{i}" for i in range(len(ONNX_HOSTILE))], "plain", "doc"), str(ok_file))
    x = np.random.default_rng(4).standard_normal((16, 6, 6, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    q = ["--quantize", "q7", "--calib", str(tmp_path / "x.npy")] if quantize == "q7" else []
    assert cli.main(["compile", str(bad_file), "-o", str(tmp_path / "bad"), *q]) == 0
    assert cli.main(["compile", str(ok_file), "-o", str(tmp_path / "ok"), *q]) == 0
    assert cli.main(["verify", str(tmp_path / "bad"), "--inputs", str(tmp_path / "x.npy")]) == 0
    cap = capsys.readouterr()
    for stream in (cap.out, cap.err):
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f\u202e]", stream), "control characters printed"
    assert "PASS" in cap.out
    g = nncodegen.load(str(bad_file))
    check_output_dir(tmp_path / "bad", tmp_path / "ok", [n.name for n in g.nodes])
    name = json.loads((tmp_path / "bad" / "nncodegen.json").read_text())["name"]
    assert "Source: evil ?\\?=\\n*x m\\u00e9.onnx." in (tmp_path / "bad" / f"{name}.h").read_text()
    for cc in compilers():
        assert build_and_run(tmp_path / "bad", cc) == build_and_run(tmp_path / "ok", cc)
    assert cli.main(["report", str(tmp_path / "bad")]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]", out)
    rows = [line for line in out.split("\n") if line.startswith("|")]
    assert len(rows) == 2 + len(g.nodes) and len({row.count("|") for row in rows}) == 1


def test_tflite_model_with_hostile_tensor_names(tmp_path):
    from tflite_builder import TfliteBuilder

    def build(names):
        rng = np.random.default_rng(5)
        b = TfliteBuilder()
        x = b.input((1, 6, 6, 2), scale=0.05, zp=-3)
        w = rng.integers(-127, 128, (4, 3, 3, 2)).astype(np.int8)
        y = b.conv2d(x, w, rng.integers(-500, 500, 4).astype(np.int32), np.full(4, 0.01), out_scale=0.08,
                     out_zp=2, act="relu")
        y = b.pool(y, "avg", 2, 2)
        y = b.fully_connected(b.reshape(y, (1, 36)), rng.integers(-127, 128, (5, 36)).astype(np.int8),
                              rng.integers(-300, 300, 5).astype(np.int32), 0.02, out_scale=0.1, out_zp=0)
        for t, n in zip(b.tensors, names):
            t.name = n
        return b.finish(y)

    names = [h for h in HOSTILE if "\U0001f600" not in h] + ["a b", "a_b"]
    (tmp_path / "bad.tflite").write_bytes(build(names))
    (tmp_path / "ok.tflite").write_bytes(build([f"t{i}" for i in range(len(names))]))
    g_bad, g_ok = nncodegen.load(str(tmp_path / "bad.tflite")), nncodegen.load(str(tmp_path / "ok.tflite"))
    nncodegen.generate(g_bad, tmp_path / "bad", name=HOSTILE[0])
    nncodegen.generate(g_ok, tmp_path / "ok", name="plain")
    check_output_dir(tmp_path / "bad", tmp_path / "ok", [n.name for n in g_bad.nodes])
    for cc in compilers():
        assert build_and_run(tmp_path / "bad", cc) == build_and_run(tmp_path / "ok", cc)
    x = np.random.default_rng(6).uniform(-4, 4, (8, 6, 6, 2)).astype(np.float32)
    np.testing.assert_array_equal(nncodegen.build(tmp_path / "bad").run(x), nncodegen.build(tmp_path / "ok").run(x))


@pytest.mark.parametrize("model_name", ["t", "nnc_types", "conv2d_f32", "act_f32", "main", "test", "_Reserved",
                                        "9lives"])
def test_names_that_meet_the_runtime_or_the_model_api(tmp_path, model_name):
    """Tensor names that become the model's own macros (t + INPUT_LEN), model names whose header guard or
    identifiers are the runtime's (nnc_types -> NNC_TYPES_H), reserved and digit-led names: all build."""
    g = chain_graph(["INPUT_LEN", "run", "ARENA_BYTES", "arena", "a", "input"], model_name)
    out = nncodegen.generate(g, tmp_path / "m", name=model_name)
    name = json.loads((out / "nncodegen.json").read_text())["name"]
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name)
    for cc in compilers()[:1]:
        build_and_run(out, cc)
    if shutil.which("cmake"):  # the CMake project too (reserved target names)
        r = subprocess.run(["cmake", "-S", str(out), "-B", str(tmp_path / "b")], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    x = np.random.default_rng(7).standard_normal((2, 5, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(nncodegen.build(out).run(x), nncodegen.simulate(g, x), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- the sanitizers themselves
def test_c_comment_is_one_safe_line():
    for s in HOSTILE + ["/*/", "*//*", "???/", "a\\", "?" * 7 + "/"]:
        c = c_comment(s)
        assert isinstance(c, CText) and len(c) <= NAME_LIMIT
        assert re.fullmatch(r"[ -~]*", c) and "*/" not in c and "/*" not in c and "??" not in c
        assert c_tokens(f"/* {c} */") == [], s  # stays one comment
    assert c_comment("conv1/Conv_0 relu: (1, 28, 28, 8) Q8.5") == "conv1/Conv_0 relu: (1, 28, 28, 8) Q8.5"
    long = c_comment(LONG)
    assert long != c_comment(LONG + "B") and long.startswith("AAAA") and len(long) <= NAME_LIMIT


def test_c_ident_and_namer():
    names = Namer()
    got = [names.get(s) for s in HOSTILE + HOSTILE + ["x" * 70 + "1", "x" * 70 + "2", "x" * 63]]
    assert len(set(got)) == len(got), "identifiers collide"
    assert len({g[:C99_SIGNIFICANT] for g in got}) == len(got), "identifiers collide in 63 characters"
    for g in got:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", g) and len(g) <= 100
    assert c_ident("conv1_out") == "conv1_out" and c_ident("9a") == "m_9a" and c_ident("__x") == "m___x" and c_ident("_x") == "m__x"
    assert c_ident("") == "m_"


def test_c_string_round_trips_through_gcc(tmp_path):
    cases = HOSTILE[:10] + ["??/", "\\", "\"", "\x00tail", "\u00e9\U0001f600", "8\x1b9"]
    body = "".join(f'    {{"{c_string(s)}", {len(s.encode())}}},\n' for s in cases)
    src = ("#include <stdio.h>\nstruct s { const char *p; int n; };\nstatic const struct s v[] = {\n" + body +
           "};\nint main(void) {\n    size_t i;\n    for (i = 0; i < sizeof v / sizeof v[0]; i++) {\n"
           "        fwrite(v[i].p, 1, (size_t)v[i].n, stdout);\n        fputc(0xff, stdout);\n    }\n"
           "    return 0;\n}\n")
    (tmp_path / "s.c").write_text(src)
    cc = compilers()[0]
    subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", str(tmp_path / "s.c"), "-o",
                    str(tmp_path / "s")], check=True)
    out = subprocess.run([str(tmp_path / "s")], capture_output=True, check=True).stdout
    assert out.split(b"\xff")[:-1] == [s.encode() for s in cases]


def test_md_cell_and_term():
    for s in HOSTILE:
        m = md_cell(s)
        assert "|" not in m and "\n" not in m and "<" not in m and len(m) <= NAME_LIMIT
        assert not re.search(r"\\[!-/:-@\[-`{-~]", m), "a backslash escape Markdown would act on"
        t = term(s)
        assert t.isprintable() and len(t) <= 4 * NAME_LIMIT
    assert md_cell("conv1/Conv_0") == "conv1/Conv_0" and term("conv1 -> f32") == "conv1 -> f32"


def test_templates_refuse_unsanitized_text():
    import jinja2
    env = c_template_env(jinja2.DictLoader({"t": "/* {{ x }} */ int {{ y }};", "f": "/* {{ x | c_comment }} */"}))
    assert env.get_template("t").render(x="conv_1", y=CText("a")) == "/* conv_1 */ int a;"
    for hostile in (HOSTILE[0], HOSTILE[1], "a b"):
        with pytest.raises(ValueError, match="unsanitized"):
            env.get_template("t").render(x=hostile, y=CText("a"))
    assert env.get_template("f").render(x=HOSTILE[0]) == "/* *\\/ injected(1); /\\* */"


def test_cli_error_messages_escape_control_characters(tmp_path, capsys):
    bad = tmp_path / "x\x1b[31m\nfake.onnx"
    bad.write_bytes(b"not a model")
    assert cli.main(["compile", str(bad), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    lines = err.split("\n")
    assert "\x1b" not in err and len(lines) == 3 and lines[2] == ""  # "loading ..." and the error, one line each
    assert lines[1].startswith("nncodegen compile: error: ") and "\\x1b[31m\\nfake.onnx" in lines[1]
