"""Write test_inputs.h for the MPS2 example: test inputs in the model's own number format.

    python embed_inputs.py OUTDIR IMAGES.npy [LABELS.npy] [-n 10] [--every K] [-o test_inputs.h]

IMAGES: float32 (N, H, W, C) (or (N, features)) as the model takes them; they are converted
with the input format recorded in OUTDIR/nncodegen.json (the same conversion as `nncodegen run`).
"""
import argparse
from pathlib import Path

import numpy as np

from nncodegen.harness.cmodel import check_input_array, read_manifest
from nncodegen.ir.formats import format_from_json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("images")
    ap.add_argument("labels", nargs="?")
    ap.add_argument("-n", type=int, default=10, help="number of inputs to embed (default 10)")
    ap.add_argument("--every", type=int, default=1, help="take every K-th input (default 1)")
    ap.add_argument("-o", "--output", default="test_inputs.h")
    a = ap.parse_args()
    m = read_manifest(a.outdir)
    x = check_input_array(np.load(a.images)[::a.every][:a.n], m["input"]["shape"], a.images)
    fmt = format_from_json(m["input"]["format"])
    xq = fmt.quantize(x) if m["quantized"] else x.astype(np.float32)
    labels = np.load(a.labels)[::a.every][:len(x)].astype(int) if a.labels else -np.ones(len(x), dtype=int)
    name = m["name"]
    fmt_v = (lambda v: str(int(v))) if m["quantized"] else (lambda v: f"{float(v)!r}f")
    lines = [f"/* {len(x)} test inputs for model \"{name}\", written by embed_inputs.py from {Path(a.images).name} */",
             "#ifndef NNC_TEST_INPUTS_H", "#define NNC_TEST_INPUTS_H", "",
             f'#include "{name}.h"', "", f"#define NNC_TEST_COUNT {len(x)}", "",
             f"static const int nnc_test_labels[NNC_TEST_COUNT] = {{{', '.join(map(str, labels))}}};", "",
             f"static const {name}_input_t nnc_test_inputs[NNC_TEST_COUNT][{name}_INPUT_LEN] = {{"]
    for row in xq.reshape(len(x), -1):
        vals = [fmt_v(v) for v in row]
        lines.append("    {" + ",\n     ".join(", ".join(vals[k:k + 16]) for k in range(0, len(vals), 16)) + "},")
    lines += ["};", "", "#endif", ""]
    Path(a.output).write_text("\n".join(lines))
    print(f"wrote {a.output}: {len(x)} inputs")


if __name__ == "__main__":
    main()
