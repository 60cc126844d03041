"""Make asv's published html/ viewable without internet access.

asv's index.html loads jQuery, Flot, Bootstrap, stupidtable and blueimp-md5
from CDNs; without them it shows only "Can not determine continental origin
of swallow". This copies local copies (Debian's libjs-jquery,
libjs-jquery-flot, libjs-bootstrap, libjs-jquery-stupidtable and
node-blueimp-md5 packages, under /usr/share/javascript) into html/vendor/
and points the pages at them. Debian's Flot 4 bundle already holds the time,
selection, categories and axis-label plugins (asv's own axis-label plugin
would draw every label twice, so it is dropped); the bar-order plugin is
not packaged and only orders bars side by side, so those tags get an empty
file. Flot 4 draws the legend on an SVG rectangle that is black unless
given a colour, hence one CSS rule.

    python asv_benchmarks/offline_html.py [asv_benchmarks/html] [--js-dir DIR]
"""

import argparse
import pathlib
import re
import shutil
import sys

# CDN file name -> file under --js-dir ("" = an empty file)
LOCAL = {
    "jquery-3.3.1.min.js": "jquery/jquery.min.js",
    "jquery.flot.min.js": "jquery-flot/jquery.flot.js",
    "jquery.flot.time.min.js": "",
    "jquery.flot.selection.min.js": "",
    "jquery.flot.categories.min.js": "",
    "jquery.flot.orderBars.js": "",
    "stupidtable.min.js": "jquery-stupidtable/stupidtable.min.js",
    "md5.min.js": "blueimp-md5/md5.min.js",
    "bootstrap.min.js": "bootstrap/js/bootstrap.min.js",
    "bootstrap.min.css": "bootstrap/css/bootstrap.min.css",
}
LEGEND_CSS = "<style>.legendLayer rect.background { fill: #fff; }</style>"
TAG = re.compile(
    r'(src|href)="https://[^"]*/([^/"]+)"(?:\s+integrity="[^"]*")?'
    r'(?:\s+crossorigin="[^"]*")?(?:\s+referrerpolicy="[^"]*")?'
)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", nargs="?", default=str(pathlib.Path(__file__).parent / "html"))
    ap.add_argument("--js-dir", default="/usr/share/javascript")
    args = ap.parse_args(argv)
    html, js_dir = pathlib.Path(args.html), pathlib.Path(args.js_dir)
    pages = sorted(html.glob("*.html"))
    if not pages:
        sys.exit(f"offline_html.py: html must be asv's published folder; no .html files in {html}")
    vendor = html / "vendor"
    vendor.mkdir(exist_ok=True)
    for name, rel in LOCAL.items():
        if rel and not (js_dir / rel).is_file():
            sys.exit(f"offline_html.py: --js-dir must hold {rel}; not found under {js_dir}")
        if rel:
            shutil.copyfile(js_dir / rel, vendor / name)
        else:
            (vendor / name).write_text("")
    (vendor / "empty.js").write_text("")

    def local(m):
        name = m.group(2)
        if name not in LOCAL:
            raise SystemExit(f"offline_html.py: no local copy known for {m.group(0)}")
        return f'{m.group(1)}="vendor/{name}"'

    for page in pages:
        text = TAG.sub(local, page.read_text())
        text = text.replace('src="jquery.flot.axislabels.js"', 'src="vendor/empty.js"')
        if LEGEND_CSS not in text:
            text = text.replace("</head>", LEGEND_CSS + "</head>", 1)
        page.write_text(text)
    print(f"{len(pages)} pages point at {vendor}")


if __name__ == "__main__":
    main()
