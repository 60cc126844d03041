"""Sphinx configuration: the guides (Markdown, MyST), an API reference
generated from the numpydoc docstrings, and a gallery of examples/*.py run at
build time. Build with tools/build_docs.sh (needs the `docs` extra and a built
xentc: `pip install -e ".[docs]"`)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the xentc of this tree (in-place or editable build), not another installed copy
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "agg")  # the gallery's plots, no display

import xentc  # noqa: E402

project = "xentc"
author = "xentc developers"
copyright = "xentc developers, BSD-3-Clause"
version = release = xentc.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "images", "auto_examples/*.ipynb", "auto_examples/*.py.md5"]
templates_path = ["_templates"]

# -- MyST: the existing guides stay plain GitHub Markdown ----------------------
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3  # links such as scoring.md#grouped-targets-taskgrouped

# -- API reference --------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
toc_object_entries_show_parents = "hide"  # "loss_gradient()", not "Cls.loss_gradient()"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False  # methods are listed by the class template
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# every public docstring must have its parameters, returns and a summary
numpydoc_validation_checks = {"GL08", "SS01", "PR01", "PR02", "PR03", "RT01"}
numpydoc_validation_exclude = {
    r"\.__init__$",
    r"\.get_params$",
    r"\.set_params$",
    r"\.set_\w+_request$",  # scikit-learn's metadata-routing methods
    r"\.fit_transform$",
    r"\.score$",
}

# -- gallery: examples/*.py, executed at every build ----------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every plot_*.py
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "within_subsection_order": "FileNameSortKey",
}

# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"xentc {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "accuracy": [], "DESIGN": [], "guides": []}
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["xentc.css"]


# -- the README's and the guides' links to repository files ------------------
# Files shown as pages of this site: a Markdown link to one of them, in the
# guides or in a README section included here, goes to its page.
REPO_PAGES = {
    "asv_benchmarks/results_peers.md": "results/peers",
    "asv_benchmarks/results_grouped.md": "results/grouped",
    "asv_benchmarks/results_linear.md": "results/linear",
    "asv_benchmarks/results_dask.md": "results/dask",
    **{f"docs/{p.name}": p.stem for p in (ROOT / "docs").glob("*.md")},
}


def _link_repo_pages(app, relative_path, parent_docname, content):
    """include-read: rewrite links of an included file (paths relative to
    the repository root) to the pages that show those files."""
    if Path(app.srcdir, relative_path).resolve().parent != ROOT:
        return
    here = Path(parent_docname).parent
    for path, page in REPO_PAGES.items():
        rel = os.path.relpath(page + ".md", here)
        content[0] = content[0].replace(f"]({path})", f"]({rel})")


def setup(app):
    app.connect("include-read", _link_repo_pages)
