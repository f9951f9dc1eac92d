"""The HTML preview: same blocks as the document, text escaped, figure runs linked."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.reports.test_render_reference import reference_document
from xunzhi.reports.document import Block, ReportDocument, Run
from xunzhi.reports.render.html import render_html
from xunzhi.reports.render.layout import Blank, layout


class Collector(HTMLParser):
    """Elements (tag, attrs, text) under the article, plus the figure links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.blocks: list[tuple[str, dict, str]] = []
        self.figures: list[tuple[str, dict, str]] = []
        self.tags: list[str] = []
        self._text: list[str] = []
        self._figure_text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "div"):
            self._text = []
        if tag in ("a", "span") and "figure" in attrs.get("class", ""):
            self._figure_text = []
        self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        open_tag, attrs = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        if tag in ("a", "span") and self._figure_text is not None:
            self.figures.append((tag, attrs, "".join(self._figure_text)))
            self._figure_text = None
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "div"):
            self.blocks.append((tag, attrs, "".join(self._text)))

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "style":
            return
        self._text.append(data)
        if self._figure_text is not None:
            self._figure_text.append(data)


def parse(fragment: str) -> Collector:
    collector = Collector()
    collector.feed(fragment)
    collector.close()
    assert collector.stack == [], "unclosed elements"
    return collector


def test_one_article_with_every_block_in_order():
    doc = reference_document()
    fragment = render_html(doc)
    assert fragment.lstrip().startswith('<article class="report"')
    assert fragment.rstrip().endswith("</article>")
    html = parse(fragment)
    items = list(layout(doc))
    assert len(html.blocks) == len(items)
    for (tag, attrs, text), item in zip(html.blocks, items, strict=True):
        if isinstance(item, Blank):
            assert (tag, attrs["class"], text) == ("div", "blank", "")
        else:
            assert attrs["class"] == item.kind
            assert text == item.text
    assert [t for t, a, _ in html.blocks if a["class"] == "title"] == ["h1"]
    assert {t for t, a, _ in html.blocks if a["class"] == "heading1"} == {"h2"}


def test_figure_runs_become_links_with_escaped_urls():
    doc = reference_document()
    html = parse(render_html(doc, figure_url=lambda code: f"/figures/{code}?unit=1&x=<'\">"))
    runs = [r for b in doc.blocks for r in b.runs if r.figure]
    assert len(html.figures) == len(runs)
    for (tag, attrs, text), run in zip(html.figures, runs, strict=True):
        assert tag == "a"
        assert attrs["class"] == "figure"
        assert attrs["data-figure"] == run.figure
        assert attrs["href"] == f"/figures/{run.figure}?unit=1&x=<'\">"  # round-trips
        assert text == run.text
    raw = render_html(doc, figure_url=lambda code: f"/f/{code}?a=1&b=2")
    assert 'href="/f/F01?a=1&amp;b=2"' in raw


def test_without_figure_url_figures_are_spans_not_links():
    html = parse(render_html(reference_document()))
    assert html.figures and all(tag == "span" for tag, _, _ in html.figures)
    assert "a" not in html.tags


def test_text_is_escaped():
    nasty = '<script>alert("x")</script> & <b>粗</b> ‘引号’'
    doc = ReportDocument(
        title="<i>标题</i>",
        blocks=[
            Block("body", [Run(nasty), Run("5<6", figure='F"1')]),
        ],
    )
    fragment = render_html(doc, figure_url=lambda code: "javascript:alert(1)")
    assert "<script>" not in fragment and "<b>" not in fragment and "<i>" not in fragment
    assert "&lt;script&gt;" in fragment
    html = parse(fragment)
    texts = [text for _, attrs, text in html.blocks if attrs.get("class") != "blank"]
    assert texts == ["<i>标题</i>", nasty + "5<6"]
    (_, attrs, text) = html.figures[0]
    assert attrs["data-figure"] == 'F"1' and text == "5<6"


def test_styled_like_the_document():
    fragment = render_html(reference_document())
    assert "<style>" in fragment
    css = fragment.split("<style>")[1].split("</style>")[0]
    assert "text-indent: 2em" in css
    assert "仿宋" in css and "serif" in css
    assert "text-align: center" in css
