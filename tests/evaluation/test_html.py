"""report.html (ganaug.evaluation.html): the summary's Markdown as HTML, plots embedded; and how a real
browser shows it (headless Chromium, where one is installed)."""

import shutil
import subprocess

import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from ganaug import GANOverSampler, evaluate, report
from ganaug.evaluation.html import html_report, markdown_to_html


def test_markdown_subset_converts():
    text = ("# Title\n\nA *plain* `code` and **bold** <b>.\n\n> **Warning**: careful\n\n- one\n- two\n\n"
            "| a | b |\n|---|---|\n| 1 | x |\n")
    page = markdown_to_html(text)
    assert "<h1>Title</h1>" in page and "<code>code</code>" in page and "<strong>bold</strong>" in page
    assert "&lt;b&gt;" in page  # text is escaped
    assert "<blockquote><strong>Warning</strong>: careful</blockquote>" in page
    assert "<ul><li>one</li><li>two</li></ul>" in page
    assert "<thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>x</td></tr></tbody>" in page


def test_images_are_embedded_with_captions(tmp_path):
    png = tmp_path / "metrics.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = html_report("# r\n", {"metrics.png": png})
    assert 'src="data:image/png;base64,iVBORw0KGgpmYWtl"' in page and "Downstream scores" in page


BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt install chromium)")
def test_a_headless_browser_renders_the_report_offline(table, fast, tmp_path):
    X, y = table
    samplers = {"none": None, "gan": GANOverSampler(**fast)}
    results = evaluate(X, y, samplers, {"knn": KNeighborsClassifier(3)},
                       cv=StratifiedKFold(2, shuffle=True, random_state=0), progress=False)
    page = report(results, tmp_path / "rep", X=X, y=y, samplers=samplers) / "report.html"
    # the DOM after the browser laid it out, with every image decoded (naturalWidth > 0 once loaded)
    script = tmp_path / "check.html"
    script.write_text(page.read_text().replace(
        "</body>", "<script>document.title = [...document.images].filter(i => i.naturalWidth > 0).length"
                   " + ' of ' + document.images.length;</script></body>"))
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                          "--dump-dom", script.as_uri()], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-1000:]
    assert "<title>4 of 4</title>" in run.stdout  # every plot decoded, with no network
    assert "Verdict" in run.stdout and "<table>" in run.stdout
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1200,1600", page.as_uri()], capture_output=True, timeout=120)
    assert shot.read_bytes()[:4] == b"\x89PNG"
