"""`make docs`: the API reference, generated from the docstrings by pdoc, written to build/docs/api/.

pdoc rather than mkdocs + mkdocstrings: one small dependency, no configuration or theme to maintain, it reads the
docstrings (Markdown with reST `:param:` fields, as this package writes them) and the type annotations as they are,
and the manual's pages stay plain Markdown (docs/*.md) that the code host renders. The reference covers the public
surface: the names of the package root (`__all__`) and `constructs_kafka_lambda.upgrade`; the modules below the root
are internal (see the README's versioning policy) and are left out.

Any warning (pdoc's, or Python's while importing and rendering) fails the build, so the reference never silently
loses a name or a signature.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.docstrings
import pdoc.render

SPECS = ["constructs_kafka_lambda", r"!constructs_kafka_lambda\.", "constructs_kafka_lambda.upgrade"]

# pdoc (16.0) reads a field's name up to the last colon of its line, so `:param topic: 2-249 characters: ...` would
# render "topic: 2-249 characters" as the name. reST ends the name at the first colon: hide the later colons of the
# first line from pdoc's pattern and put them back after.
_FIELD_LINE = re.compile(r"^(:(?:param|raises)[ ]+[^:\n]+:)(.*)$", re.MULTILINE)
_COLON = "\ue000"
_pdoc_rst_fields = pdoc.docstrings._rst_fields


def _rst_fields(contents: str) -> str:
    hidden = _FIELD_LINE.sub(lambda m: m[1] + m[2].replace(":", _COLON), contents)
    return _pdoc_rst_fields(hidden).replace(_COLON, ":")


pdoc.docstrings._rst_fields = _rst_fields


def main(output: str) -> int:
    pdoc.render.configure(
        docformat="restructuredtext",
        footer_text="constructs-kafka-lambda",
        show_source=False,
        search=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*SPECS, output_directory=Path(output))
    problems = list(caught)
    for warning in problems:
        print(f"warning: {warning.filename}:{warning.lineno}: {warning.message}", file=sys.stderr)
    pages = sorted(p.name for p in Path(output).rglob("*.html"))
    if problems:
        print(f"make docs: {len(problems)} warning(s): fix the docstrings above", file=sys.stderr)
        return 1
    print(f"API reference: {len(pages)} pages in {output}/ (open {output}/index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/docs/api"))
