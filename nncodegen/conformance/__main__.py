"""python -m nncodegen.conformance: run the suite, print the table, --write / --check the documents."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


from .report import conformance_doc, markdown_table, readme_block, replace_readme_block, repo_root
from .run import run_suite

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nncodegen.conformance",
                                 description="Run ONNX's backend node tests through nncodegen's float C path.")
    ap.add_argument("--workdir", default=None, help="where the generated C goes (default: build/conformance)")
    ap.add_argument("--write", action="store_true", help="rewrite README.md's table and docs/CONFORMANCE.md")
    ap.add_argument("--check", action="store_true", help="exit 1 unless README.md and docs/CONFORMANCE.md are current")
    ap.add_argument("--list", action="store_true", help="print every case with its status")
    ap.add_argument("-k", dest="names", action="append", help="only this test (repeatable)")
    ap.add_argument("--source", choices=["auto", "files", "generators"], default="auto",
                    help="the onnx wheel's data files, or ONNX's generators (default: files when present)")
    args = ap.parse_args(argv)
    root = repo_root()
    workdir = Path(args.workdir) if args.workdir else root / "build" / "conformance"
    t0 = time.time()
    results = run_suite(workdir, names=args.names, log=lambda s: print(s, file=sys.stderr), source=args.source)
    print(markdown_table(results))
    if args.list or args.names:
        for r in results:
            print(f"{r.status:5} {r.name:60} {r.mode:13} {r.reason}")
    print(f"{len(results)} cases in {time.time() - t0:.1f}s", file=sys.stderr)
    rc = 1 if any(r.status == "fail" for r in results) else 0
    if args.write or args.check:
        if args.names or (args.source == "generators"):
            print("--write/--check need the full suite from the wheel's data files (no -k, no --source "
                  "generators)", file=sys.stderr)
            return 2
        readme = root / "README.md"
        docf = root / "docs" / "CONFORMANCE.md"
        new_readme = replace_readme_block(readme.read_text(), readme_block(results))
        new_doc = conformance_doc(results)
        if args.write:
            readme.write_text(new_readme)
            docf.write_text(new_doc)
        else:
            stale = [p.name for p, t in ((readme, new_readme), (docf, new_doc))
                     if not p.exists() or p.read_text() != t]
            if stale:
                print(f"out of date: {', '.join(stale)} (run python -m nncodegen.conformance --write)",
                      file=sys.stderr)
                rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
