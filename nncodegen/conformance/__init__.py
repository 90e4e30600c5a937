"""Conformance against ONNX's own backend node tests.

    python -m nncodegen.conformance            # run, print the table
    python -m nncodegen.conformance --write    # also rewrite README.md's table and docs/CONFORMANCE.md
    python -m nncodegen.conformance --check    # exit 1 unless README.md and docs/CONFORMANCE.md are current
    python -m nncodegen.conformance --list     # every case with its status and reason

How the cases are chosen, run and judged is :data:`METHOD` (also printed in docs/CONFORMANCE.md).
"""
from .cases import (DIVERGENT, METHOD, OPS, Case, Result, categorize, collect_cases,  # noqa: F401
                    node_data_dir)
from .prepare import NotApplicable, Prepared, _lead_node, _ref_run, _set_input_shape, prepare  # noqa: F401
from .report import (conformance_doc, markdown_table, readme_block, replace_readme_block,  # noqa: F401
                     repo_root, summarize)
from .run import Compiled, build_bundle, compare, compile_case, run_compiled, run_reference, run_suite  # noqa: F401
