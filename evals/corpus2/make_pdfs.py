"""Write the two PDF articles of the corpus2 eval set (stdlib only).

    python evals/corpus2/make_pdfs.py

Each PDF is a hand-built PDF 1.4 file: a catalog, a page tree, one page object
per page with a content stream drawing text in the standard Type1 font Helvetica
(WinAnsiEncoding, so the pound sign survives), and a cross-reference table with
byte-exact offsets. The text is invented for the eval (fictional city of Portwick).
Output is deterministic: running the script again gives the same bytes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

PAGE_W, PAGE_H = 595, 842  # A4 in points
LEFT, TOP, BOTTOM = 56, 790, 60
BODY_SIZE, BODY_LEAD = 10, 14
WRAP = 90

# Each article: file name, PDF /Info fields, and a list of blocks.
# A block is (kind, text) with kind in {"title", "meta", "head", "p"}.
ARTICLES = [
    {
        "file": "harbour_line_construction_begins.pdf",
        "info": {
            "Title": "Work begins on Portwick's Harbour Line tram",
            "Author": "Portwick Transit Authority press office",
            "CreationDate": "D:20240603090000+01'00'",
        },
        "blocks": [
            ("title", "Work begins on Portwick's Harbour Line tram"),
            ("meta", "Portwick Transit Authority - Press release - For immediate release"),
            ("meta", "PORTWICK, Monday, June 3, 2024"),
            (
                "p",
                "Construction of the Harbour Line, Portwick's second tram route, officially began today with "
                "a ground-breaking ceremony at the site of the future Saltmarsh Park and Ride stop.",
            ),
            (
                "p",
                "Council leader Helen Marsh and Portwick Transit Authority chief executive Gareth Linden were "
                "joined at the ceremony by the first group of apprentices recruited by the main contractor, "
                "Helmsdale Rail Partnership, a joint venture of Carrick Civil Engineering and Brannock Systems.",
            ),
            (
                "p",
                "The 11.4-kilometre line will connect Portwick Central station with Saltmarsh via Quay Street, "
                "Dock Road and Gull Point, serving 17 stops. Trams will run every six minutes during the day "
                "from Monday to Saturday, and every ten minutes in the evenings and on Sundays.",
            ),
            (
                "p",
                'Gareth Linden, chief executive of Portwick Transit Authority, said: "Today the Harbour Line '
                "stops being a plan and becomes a building site. Over the next year people will see a lot of "
                "orange barriers, and we will ask for their patience. In return they will get a fast, frequent "
                'and accessible tram that links the docks to the heart of the city."',
            ),
            (
                "p",
                'Helen Marsh, leader of Portwick City Council, said: "The docks have waited a long time for '
                "this. The Harbour Line will bring new homes, new jobs and new visitors within 24 minutes of "
                'the city centre, and it will be built by people from Portwick."',
            ),
            (
                "p",
                "The project is expected to support up to 1,100 construction jobs at the peak of the works. "
                "Helmsdale Rail Partnership has committed to recruiting at least 60 apprentices from the "
                "Portwick area over the life of the contract.",
            ),
            ("head", "Traffic changes"),
            (
                "p",
                "Quay Street will close to through traffic from Monday, June 10, 2024 for approximately 14 "
                "months while utilities are moved and track is laid. Pedestrian access to all shops and "
                "businesses on the street will be maintained throughout. Bus routes 14 and 22 will be "
                "diverted via Harrow Street.",
            ),
            (
                "p",
                "Drivers are advised to use the Saltmarsh Road and the inner ring road instead of Dock Road "
                "during the works. Up-to-date information on closures will be published every Friday on the "
                "transit authority's website.",
            ),
            ("head", "Trams and depot"),
            (
                "p",
                "Fourteen trams have been ordered from Vossberg Fahrzeugbau and will be built at the company's "
                "plant in Kassel, Germany. Each five-section tram is 33 metres long and can carry up to 220 "
                "passengers. The trams will be maintained at a new depot at Fenmoor, off Marsh Lane, which "
                "will have space for 20 trams.",
            ),
            ("p", "The Harbour Line is expected to open to passengers in summer 2025."),
            ("head", "Notes to editors"),
            (
                "p",
                "1. The Harbour Line budget of \u00a3640 million was approved by Portwick City Council in "
                "March 2024. Funding comes from the government's City Region Transport Fund, council "
                "borrowing and a supplementary business rate.",
            ),
            (
                "p",
                "2. Portwick Transit Authority (PTA) runs the city's tram network and co-ordinates its bus "
                "services. Its first tram route, the Moorside Line, opened in 2009.",
            ),
            (
                "p",
                "3. Media enquiries: Portwick Transit Authority press office, press@portwicktransit.example",
            ),
            ("p", "ENDS"),
        ],
    },
    {
        "file": "harbour_line_fares_courier.pdf",
        "info": {
            "Title": "Harbour Line fares set at \u00a32.20 as board approves weekly cap",
            "Author": "Portwick Weekly Courier",
            "CreationDate": "D:20250612060000+01'00'",
        },
        "blocks": [
            ("title", "Harbour Line fares set at \u00a32.20 as board approves weekly cap"),
            ("meta", "Portwick Weekly Courier - News - Page 3"),
            ("meta", "Thursday, June 12, 2025 - By Owen Pritchard"),
            (
                "p",
                "A single journey on the Harbour Line will cost \u00a32.20 when the new tram route opens, after "
                "the Portwick Transit Authority board approved fares for the line at its meeting on Friday.",
            ),
            (
                "p",
                "The fare is the same as a single on the Moorside Line, and for the first time the city's two "
                "tram routes and its buses will share one ticketing system. A day ticket covering both tram "
                "lines and all city buses will cost \u00a35.50, and contactless payments will be capped at "
                "\u00a319 a week.",
            ),
            (
                "p",
                "Children under 16 will pay 80p a journey. Holders of older person's bus passes will travel "
                "free after 9.30am on weekdays and all day at weekends, as they already do on the Moorside Line.",
            ),
            (
                "p",
                "Parking at the 650-space Saltmarsh Park and Ride will be free for tram users, the board agreed.",
            ),
            (
                "p",
                '"We have tried to make the Harbour Line the obvious choice," said board chair Sandra '
                'Whitlock. "A fare that matches the Moorside Line, a weekly cap so nobody pays more than they '
                'need to, and free parking at Saltmarsh. People should not have to do sums to get on a tram."',
            ),
            (
                "p",
                "The authority expects fares to bring in about \u00a39.8 million in the line's first full year "
                "of operation. Under its business plan the line must cover its running costs from fares and "
                "advertising by its third year.",
            ),
            (
                "p",
                "Campaigners said the fares were still too high. Portwick Transport Action, which has "
                'campaigned for the tram since 2012, wants a \u00a31.80 single fare for the first year to "get '
                'people out of the habit of driving". Its secretary, Lewis Kamara, said: "A family of four '
                'going into town on a Saturday will still find it cheaper to drive and park."',
            ),
            (
                "p",
                "The board also agreed that travel on the Harbour Line will be free on its opening weekend. "
                'The authority confirmed on Friday that the line will open "in early September", with the '
                "exact date to be announced in August.",
            ),
            (
                "p",
                "Testing on the city-centre section through Quay Street and Dock Road is due to start next "
                "month. Twelve of the line's 14 trams have now been delivered to the Fenmoor depot.",
            ),
            (
                "p",
                "The fares will be reviewed after six months. Ms Whitlock said the board would look closely at "
                "how many people were using the weekly cap and whether the park and ride was filling up "
                "before making any changes.",
            ),
            ("p", "Readers' letters on the Harbour Line: see page 14."),
        ],
    },
]


def pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding, with \\, ( and ) escaped."""
    raw = text.encode("cp1252")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw + b")"


def layout(blocks: list[tuple[str, str]]) -> list[list[tuple[int, float, str]]]:
    """Lines placed on pages: each page is a list of (font size, y, text)."""
    pages: list[list[tuple[int, float, str]]] = [[]]
    y = TOP

    def put(size: int, lead: float, text: str) -> None:
        nonlocal y
        if y < BOTTOM:
            pages.append([])
            y = TOP
        pages[-1].append((size, y, text))
        y -= lead

    for kind, text in blocks:
        if kind == "title":
            for line in textwrap.wrap(text, 64):  # titles here fit on one line
                put(14, 20, line)
            y -= 6
        elif kind == "meta":
            put(BODY_SIZE, BODY_LEAD, text)
        elif kind == "head":
            y -= 4
            put(12, 18, text)
        else:
            if pages[-1] and y < TOP:
                y -= BODY_LEAD / 2  # gap before a paragraph
            if y - BODY_LEAD < BOTTOM:  # don't leave a paragraph's first line alone at the bottom
                pages.append([])
                y = TOP
            for line in textwrap.wrap(text, WRAP):
                put(BODY_SIZE, BODY_LEAD, line)
    return pages


def content_stream(lines: list[tuple[int, float, str]]) -> bytes:
    ops = []
    for size, y, text in lines:
        ops.append(b"BT /F1 %d Tf %d %.1f Td " % (size, LEFT, y) + pdf_string(text) + b" Tj ET")
    return b"\n".join(ops) + b"\n"


def build_pdf(article: dict) -> bytes:
    pages = layout(article["blocks"])
    n = len(pages)
    # object numbers: 1 catalog, 2 pages, 3 font, 4 info, then (page, content) pairs
    page_ids = [5 + 2 * i for i in range(n)]
    objects: dict[int, bytes] = {}
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = b" ".join(b"%d 0 R" % pid for pid in page_ids)
    objects[2] = b"<< /Type /Pages /Kids [ " + kids + b" ] /Count %d >>" % n
    objects[3] = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    info = b" ".join(
        b"/" + k.encode("ascii") + b" " + pdf_string(v) for k, v in article["info"].items()
    )
    objects[4] = b"<< " + info + b" /Producer (evals/corpus2/make_pdfs.py) >>"
    for pid, lines in zip(page_ids, pages, strict=True):
        stream = content_stream(lines)
        objects[pid] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (
            PAGE_W,
            PAGE_H,
        ) + b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (pid + 1)
        objects[pid + 1] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n" % size
    out += b"0000000000 65535 f \n"
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num]
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        xref_at,
    )
    return bytes(out)


def article_text(article: dict) -> str:
    """The article's text as written into the PDF (one paragraph per line)."""
    return "\n".join(text for _, text in article["blocks"])


def main() -> None:
    for article in ARTICLES:
        data = build_pdf(article)
        path = HERE / article["file"]
        path.write_bytes(data)
        print(
            f"{path.name}: {len(data)} bytes, {len(layout(article['blocks']))} page(s), "
            f"{len(article_text(article).split())} words"
        )


if __name__ == "__main__":
    main()
