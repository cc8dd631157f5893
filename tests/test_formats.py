"""Saved web pages and PDFs as articles: main text only, title, published date, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.ingest.formats import SUFFIXES, Extracted, NotAnArticle, extract
from tests.conftest import ROOT

# --- pages with furniture: (html, body paragraphs, furniture strings) ------------

NEWS = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Chip makers agree on export rules | The Daily Ledger</title>
<meta property="og:title" content="Chip makers agree on export rules">
<meta property="og:site_name" content="The Daily Ledger">
<meta property="article:published_time" content="2024-03-05T08:30:00+09:00">
<meta property="article:modified_time" content="2024-03-09T17:00:00+09:00">
</head><body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<header><nav class="main-nav"><ul><li><a href="/">Home</a></li>
<li><a href="/world">World news</a></li><li><a href="/business">Business desk</a></li>
<li><a href="/tech">Technology section</a></li></ul></nav></header>
<div class="ad ad-banner">Advertisement: Save 40% on premium noise-cancelling headphones</div>
<main><article>
<h1>Chip makers agree on export rules</h1>
<p class="byline">By Mina Park, Seoul</p>
<p>Semiconductor makers from Japan, South Korea and the United States agreed on Tuesday to
share a common list of export controls for advanced lithography equipment, officials said
after two days of talks in Tokyo.</p>
<p>The agreement covers machines used to print circuits narrower than fourteen nanometres, and
it obliges each government to notify the others within thirty days of granting a licence to a
buyer outside the group.</p>
<div class="newsletter-signup"><h3>Get the Morning Briefing</h3>
<p>Sign up for our free newsletter and never miss a story.</p>
<form><input type="email" placeholder="Your email"><button>Subscribe now</button></form></div>
<p>Industry groups welcomed the deal but warned that smaller suppliers of chemicals and spare
parts were left out, which could leave gaps that rival buyers would be quick to exploit in the
coming year.</p>
<p>Officials plan to meet again in September to review how the rules have worked and whether
the list of covered equipment should be widened to include inspection tools.</p>
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Why lithography machines became a geopolitical bargaining chip</a></li>
<li><a href="/b">Memory prices fall for a third straight quarter</a></li></ul></aside>
<section id="comments" class="comments"><h2>Comments (2)</h2>
<div class="comment"><p>TechFan88 wrote: This will never work without China at the table.</p></div>
<div class="comment"><p>Gerald from Ohio: Finally some common sense on this issue.</p></div>
</section></main>
<footer><p>Copyright 2024 The Daily Ledger Media Group. All rights reserved.</p>
<a href="/privacy">Privacy policy</a></footer>
</body></html>
"""
NEWS_BODY = [
    "Semiconductor makers from Japan, South Korea and the United States agreed on Tuesday to "
    "share a common list of export controls for advanced lithography equipment, officials said "
    "after two days of talks in Tokyo.",
    "The agreement covers machines used to print circuits narrower than fourteen nanometres, and "
    "it obliges each government to notify the others within thirty days of granting a licence "
    "to a buyer outside the group.",
    "Industry groups welcomed the deal but warned that smaller suppliers of chemicals and spare "
    "parts were left out, which could leave gaps that rival buyers would be quick to exploit in "
    "the coming year.",
    "Officials plan to meet again in September to review how the rules have worked and whether "
    "the list of covered equipment should be widened to include inspection tools.",
]
NEWS_FURNITURE = [
    "Accept all cookies",
    "World news",
    "Business desk",
    "noise-cancelling headphones",
    "Get the Morning Briefing",
    "Subscribe now",
    "Related stories",
    "geopolitical bargaining chip",
    "TechFan88",
    "Gerald from Ohio",
    "All rights reserved",
    "Privacy policy",
]

GRAPH_LD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "@id": "#site", "name": "Harbour Post"},
        {"@type": "WebPage", "@id": "#page", "datePublished": "2023-05-01T00:00:00Z"},
        {
            "@type": ["NewsArticle"],
            "headline": "Ports brace for a record grain harvest",
            "datePublished": "2023-05-18T06:00:00+00:00",
            "dateModified": "2023-05-20T10:15:00+00:00",
            "publisher": {"@id": "#site"},
        },
    ],
}
GRAPH = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Ports brace for a record grain harvest - Harbour Post</title>
<meta property="article:modified_time" content="2023-05-20T10:15:00+00:00">
<script type="application/ld+json">{json.dumps(GRAPH_LD)}</script>
</head><body>
<div class="consent-overlay" role="dialog"><p>This site uses cookies for analytics and
personalised ads.</p><a href="#">Manage cookie preferences</a></div>
<nav><a href="/">Harbour Post home</a> <a href="/shipping">Shipping</a>
<a href="/markets">Markets and trade</a></nav>
<div class="layout"><article class="story">
<h1>Ports brace for a record grain harvest</h1>
<div class="meta">Last updated <time class="updated" datetime="2023-05-20">20 May</time></div>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
<p>Grain terminals along the northern coast expect to handle a record forty million tonnes this
season, the port authority said, after farmers reported the largest wheat crop in a decade.</p>
<p>Operators have hired extra crews and extended opening hours at the three busiest terminals,
where lorries queued for up to nine hours during the last harvest peak.</p>
<h2>Storage is the bottleneck</h2>
<p>Silo capacity has barely grown since 2015, and traders warn that any delay in loading ships
could force farmers to sell at a discount or store grain in the open.</p>
<blockquote><p>"We can move the grain if the weather holds and the railways run on time," said
the authority's operations director, Lena Okafor.</p></blockquote>
<div class="ad-slot" id="ad-mid">Sponsored: Compare cheap business loans in minutes</div>
<p>The ministry of agriculture will publish its final harvest estimate at the end of June,
when export quotas for the second half of the year are also due to be set.</p>
</article>
<aside class="sidebar"><h3>Most read</h3><ol>
<li><a href="/1">Ferry operator fined over late sailings</a></li>
<li><a href="/2">New container cranes arrive from Shanghai</a></li></ol>
<div class="newsletter"><h3>The Harbour Brief</h3><p>Our weekly newsletter, free to your
inbox.</p><button>Sign me up</button></div></aside></div>
<div id="disqus_thread" class="comments-area"><h3>Join the discussion</h3>
<div class="comment-body"><p>portwatcher: Same story every year, nothing ever changes.</p></div>
</div>
<footer>© 2023 Harbour Post Ltd · Terms of use · Contact the newsroom</footer>
</body></html>
"""
GRAPH_BODY = [
    "Grain terminals along the northern coast expect to handle a record forty million tonnes "
    "this season, the port authority said, after farmers reported the largest wheat crop in a "
    "decade.",
    "Operators have hired extra crews and extended opening hours at the three busiest "
    "terminals, where lorries queued for up to nine hours during the last harvest peak.",
    "Storage is the bottleneck",
    "Silo capacity has barely grown since 2015, and traders warn that any delay in loading "
    "ships could force farmers to sell at a discount or store grain in the open.",
    '"We can move the grain if the weather holds and the railways run on time," said the '
    "authority's operations director, Lena Okafor.",
    "The ministry of agriculture will publish its final harvest estimate at the end of June, "
    "when export quotas for the second half of the year are also due to be set.",
]
GRAPH_FURNITURE = [
    "Manage cookie preferences",
    "Markets and trade",
    "Share on Facebook",
    "cheap business loans",
    "Most read",
    "Ferry operator fined",
    "The Harbour Brief",
    "Sign me up",
    "Join the discussion",
    "portwatcher",
    "Terms of use",
]

TIMED = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Rail strike ends after overnight deal | Metro Times</title>
<meta property="og:site_name" content="Metro Times">
</head><body>
<div class="cookie-notice">We and our partners store cookies on your device.
<a href="#">Got it</a></div>
<ul class="breadcrumbs"><li><a href="/">Metro Times</a></li><li><a href="/city">City hall</a>
</li></ul>
<article>
<header><h1>Rail strike ends after overnight deal</h1>
<p>Updated <time class="date-updated" datetime="2022-11-04T09:00">4 Nov</time> ·
Published <time datetime="2022-11-02T18:30">2 Nov 2022</time></p></header>
<p>Commuter trains will run a full timetable from Monday after the drivers' union accepted a
pay offer in talks that ran through the night, ending a strike that lasted eleven days.</p>
<p>The deal raises pay by six percent this year and four percent next year, and it commits the
operator to hire two hundred drivers before the summer timetable change.</p>
<div class="newsletter-box"><strong>Never miss a story.</strong> Get the Metro Times daily
email. <a href="/signup">Sign up free</a></div>
<p>Union leaders said members had voted by a clear majority to accept, although some depots
in the east of the city had pushed for a longer walkout.</p>
</article>
<section class="related-articles"><h2>You may also like</h2>
<a href="/x">Bus fares to rise in January</a> <a href="/y">Cycle lanes plan approved</a></section>
<ol class="commentlist"><li class="comment">
<p>Daily commuter: About time, my season ticket has been useless for two weeks.</p></li></ol>
<footer>Metro Times, 1 Station Road · Advertise with us</footer>
</body></html>
"""
TIMED_BODY = [
    "Commuter trains will run a full timetable from Monday after the drivers' union accepted a "
    "pay offer in talks that ran through the night, ending a strike that lasted eleven days.",
    "The deal raises pay by six percent this year and four percent next year, and it commits "
    "the operator to hire two hundred drivers before the summer timetable change.",
    "Union leaders said members had voted by a clear majority to accept, although some depots "
    "in the east of the city had pushed for a longer walkout.",
]
TIMED_FURNITURE = [
    "store cookies on your device",
    "City hall",
    "Never miss a story",
    "Sign up free",
    "You may also like",
    "Bus fares to rise",
    "Daily commuter",
    "Advertise with us",
]

PAGES = {
    "news.html": (NEWS, NEWS_BODY, NEWS_FURNITURE),
    "graph.html": (GRAPH, GRAPH_BODY, GRAPH_FURNITURE),
    "timed.htm": (TIMED, TIMED_BODY, TIMED_FURNITURE),
}


def norm(text: str) -> str:
    return " ".join(text.split())


def extracted(tmp_path: Path, name: str, content: str | bytes) -> Extracted:
    path = tmp_path / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return extract(path, path.read_bytes())


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_page_keeps_every_body_paragraph_and_none_of_the_furniture(
    tmp_path: Path, name: str
) -> None:
    html, body, furniture = PAGES[name]
    article = extracted(tmp_path, name, html)
    paragraphs = [norm(p) for p in article.text.split("\n\n")]
    for item in body:
        assert norm(item) in paragraphs  # kept whole, as a paragraph of its own
    text = norm(article.text)
    assert [f for f in furniture if f in text] == []
    assert article.text == article.text.strip() and "\r" not in article.text
    assert all(line == line.rstrip() for line in article.text.split("\n"))
    assert article.extractor.startswith("trafilatura ")


def test_og_title_and_published_time_and_no_title_repeated_at_the_top(tmp_path: Path) -> None:
    article = extracted(tmp_path, "news.html", NEWS)
    assert article.title == "Chip makers agree on export rules"
    # published 2024-03-05 (09:00 in Tokyo), modified on the 9th: the published day
    assert (article.published, article.published_from) == (
        "2024-03-05",
        "the page's metadata (article:published_time)",
    )
    assert article.text.startswith("Semiconductor makers")


def test_json_ld_in_a_graph_gives_the_headline_and_the_published_not_modified_date(
    tmp_path: Path,
) -> None:
    article = extracted(tmp_path, "graph.html", GRAPH)
    assert article.title == "Ports brace for a record grain harvest"
    assert (article.published, article.published_from) == (
        "2023-05-18",
        "JSON-LD datePublished (NewsArticle)",
    )


def test_a_time_element_that_is_an_update_is_passed_over(tmp_path: Path) -> None:
    article = extracted(tmp_path, "timed.htm", TIMED)
    assert (article.published, article.published_from) == ("2022-11-02", "<time datetime>")
    # "<title> | og:site_name": the site name goes, the headline stays
    assert article.title == "Rail strike ends after overnight deal"


def test_a_title_suffix_is_kept_unless_it_is_known_to_be_the_sites_name(tmp_path: Path) -> None:
    body = "<p>" + "A paragraph about a ceasefire that holds, for now. " * 6 + "</p>"
    page = f"<html><head><title>Gaza - a ceasefire holds</title></head><body>{body}</body></html>"
    assert extracted(tmp_path, "a.html", page).title == "Gaza - a ceasefire holds"


def test_the_headline_is_not_repeated_at_the_top_of_the_text(tmp_path: Path) -> None:
    body = "<p>" + "Rain is expected across the region on Sunday. " * 6 + "</p>"
    page = (
        '<html><head><meta property="og:title" content="Storm warning | Coast FM">'
        '<meta property="og:site_name" content="Coast FM"></head>'
        f"<body><article><h1>Storm warning issued for the coast</h1>{body}</article></body></html>"
    )
    article = extracted(tmp_path, "s.html", page)
    assert article.title == "Storm warning"
    assert article.text.startswith("Rain is expected")


def test_itemprop_date_published_is_read_and_date_modified_is_not(tmp_path: Path) -> None:
    body = "<p>" + "The museum reopened its east wing to visitors. " * 6 + "</p>"
    page = (
        '<html><body><article><meta itemprop="dateModified" content="2021-07-01">'
        '<span itemprop="datePublished" content="2021-06-01">1 June</span>'
        f"{body}</article></body></html>"
    )
    article = extracted(tmp_path, "i.html", page)
    assert (article.published, article.published_from) == (
        "2021-06-01",
        'the page\'s markup (itemprop="datePublished")',
    )


def test_only_a_modified_date_gives_no_date(tmp_path: Path) -> None:
    """htmldate would give the modified day here; the text's dateline is read instead."""
    body = "<article><p>" + "The council met again to discuss the budget. " * 8 + "</p></article>"
    page = (
        '<html><head><meta property="article:modified_time" content="2024-01-09">'
        '<meta itemprop="copyrightYear" content="2021"></head>'
        f"<body>{body}</body></html>"
    )
    article = extracted(tmp_path, "m.html", page)
    assert (article.published, article.published_from) == (None, "")


def test_a_page_with_no_article_text_is_not_an_article(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Log in | Example News</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        '<form><input name="user"><input type="password" name="pw"><button>Log in</button>'
        "</form><footer>© Example News</footer></body></html>"
    )
    with pytest.raises(NotAnArticle, match="no article text"):
        extracted(tmp_path, "login.html", page)
    with pytest.raises(NotAnArticle):
        extracted(tmp_path, "empty.html", b"")


def test_extraction_is_deterministic(tmp_path: Path) -> None:
    for name, (html, _, _) in PAGES.items():
        first = extracted(tmp_path, name, html)
        assert extracted(tmp_path, name, html) == first
    pdf = text_pdf([b"(Deterministic text) Tj"])
    assert extracted(tmp_path, "a.pdf", pdf) == extracted(tmp_path, "a.pdf", pdf)


def test_suffixes_and_other_files(tmp_path: Path) -> None:
    assert SUFFIXES == (".html", ".htm", ".pdf")
    assert extracted(tmp_path, "UPPER.HTML", NEWS).title == "Chip makers agree on export rules"
    with pytest.raises(NotAnArticle, match="not a saved web page or PDF"):
        extracted(tmp_path, "notes.docx", b"PK\x03\x04")


# --- PDFs, written by hand ----------------------------------------------------------


def pdf_file(contents: list[bytes], info: bytes = b"") -> bytes:
    """A minimal PDF: one page per content stream, Helvetica as /F1, a 1x1 image as /Im1."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
    ]
    kids = []
    for content in contents:
        kids.append(b"%d 0 R" % (len(objects) + 1))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << "
            b"/Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> /Contents %d 0 R >>"
            % (len(objects) + 2)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    if info:
        objects.append(info)
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"/Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % len(objects)
    return out + b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)


def text_pdf(pages: list[bytes], info: bytes = b"") -> bytes:
    return pdf_file([b"BT /F1 12 Tf 72 720 Td %s ET" % page for page in pages], info)


PDF_PAGES = [
    b"(Seoul, 8 April 2024) Tj 0 -20 Td (Talks on chip export rules ended on Monday.) Tj",
    b"(Officials will meet again in September.) Tj",
]


def test_a_text_pdf_gives_every_page_with_a_blank_line_between(tmp_path: Path) -> None:
    article = extracted(tmp_path, "report.pdf", text_pdf(PDF_PAGES))
    assert article.text == (
        "Seoul, 8 April 2024\nTalks on chip export rules ended on Monday.\n\n"
        "Officials will meet again in September."
    )
    assert article.title == "Seoul, 8 April 2024"  # no /Title: the first line
    assert (article.published, article.published_from) == (None, "")
    assert article.extractor.startswith("pypdf ")


def test_a_pdf_title_is_its_info_title_and_its_creation_date_is_not_the_published_one(
    tmp_path: Path,
) -> None:
    info = b"<< /Title (Chip talks end) /CreationDate (D:20240410120000Z) >>"
    article = extracted(tmp_path, "r.pdf", text_pdf(PDF_PAGES, info))
    assert article.title == "Chip talks end"
    assert article.published is None  # CreationDate is when the file was made


def test_a_scanned_pdf_says_it_needs_ocr(tmp_path: Path) -> None:
    scanned = pdf_file([b"q 612 0 0 792 0 0 cm /Im1 Do Q", b"q 612 0 0 792 0 0 cm /Im1 Do Q"])
    with pytest.raises(NotAnArticle, match="scanned") as caught:
        extracted(tmp_path, "scan.pdf", scanned)
    assert "OCR" in str(caught.value)


def test_a_broken_or_locked_pdf_says_why(tmp_path: Path) -> None:
    with pytest.raises(NotAnArticle, match="not a readable PDF"):
        extracted(tmp_path, "broken.pdf", b"%PDF-1.4\nthis is not a PDF body")
    with pytest.raises(NotAnArticle, match="not a readable PDF"):
        extracted(tmp_path, "empty.pdf", b"")

    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(PDF_PAGES))))
    writer.encrypt("secret", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(NotAnArticle, match="encrypted"):
        extracted(tmp_path, "locked.pdf", locked.getvalue())


def test_extraction_reaches_nothing_off_the_machine_and_is_the_same_in_any_process(
    tmp_path: Path,
) -> None:
    """In fresh processes, so importing the libraries is watched too, and with two hash
    seeds, so nothing hangs on the order of a set."""
    (tmp_path / "news.html").write_text(NEWS, encoding="utf-8")
    (tmp_path / "graph.html").write_text(GRAPH, encoding="utf-8")
    (tmp_path / "a.pdf").write_bytes(text_pdf(PDF_PAGES))
    code = (
        "import sys; from pathlib import Path; from tests.conftest import off_machine\n"
        "with off_machine() as attempts:\n"
        "    from assistant.ingest.formats import extract\n"
        "    found = [extract(p, p.read_bytes()) for p in sorted(Path(sys.argv[1]).iterdir())]\n"
        "print(repr(found))\n"
        "print(attempts)\n"
    )
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        *found, attempts = done.stdout.strip().splitlines()
        assert attempts == "[]"
        outputs.append(found)
    assert outputs[0] == outputs[1] and "Semiconductor makers" in outputs[0][0]


def test_importing_assistant_does_not_import_the_extractors() -> None:
    code = (
        "import sys, assistant, assistant.ingest.formats\n"
        "print(sorted({'trafilatura', 'pypdf', 'lxml'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stderr
