"""Template families: the same article page (same content, same ids) in other CMS markups.

The parser must not work because of the simulator's invented class names (issue 16), so `--markup`
renders article pages in one of several consistent template families, each with its own tags and
classes, as Chinese government CMSs differ: `classic` is the site's own layouts (simulator.templates,
era by era); `portal` (TRS-like) puts a logo `<h1>` above the title, header fields each in its own
`<span>`, the print controls after the body and a prose-heavy picture-news sidebar; `hanweb` is
table-based with the header fields in `<li>`s and other labels (时间 / 点击数 / 信息来源) and lazy-loading
images (`data-src` beside `src`); `vue` is div soup with generated-looking class names, header labels
and values in separate elements and captions in `<figure>`. What a page *shows* is the same in every
family (title, date, views, source, body, images, captions, signature, attachments, footer), so one
truth labels them all. List, home and vendor pages keep the classic markup.
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.article import CATEGORIES, Article, FooterState
from simulator.refs import article_path, article_text, esc, indent
from simulator.templates import ARTICLE_PATH, LIST_PATH, PageContext, render_article
from simulator.video import player_html

CLASSIC = "classic"


def _head(title: str, ctx: PageContext, sep: str) -> str:
    meta = f'<meta charset="{ctx.charset}">\n' if ctx.charset else ""
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n{meta}<title>{esc(title)}{sep}南昌市总工会</title>\n'
        '<meta name="keywords" content="南昌市总工会,工会">\n'
        '<script type="text/javascript" src="/static/js/jquery-1.8.3.min.js"></script>\n</head>\n<body>\n'
    )


def _tail() -> str:
    return '<script type="text/javascript">var _hmt=_hmt||[];</script>\n</body>\n</html>\n'


def _nav(tag: str, cls: str) -> str:
    items = "".join(f'<li><a href="{LIST_PATH.format(category=c, page=1)}">{n}</a></li>' for c, n in CATEGORIES.items())
    return f'<{tag} class="{cls}"><ul><li><a href="/">首页</a></li>{items}</ul></{tag}>\n'


def _footer_lines(f: FooterState) -> list[str]:
    lines = [f"{f.org} {f.icp}", f"电话:{f.phone} 邮箱:{f.email}", f"地址:{f.address} 邮编:{f.postcode}"]
    if f.police_record:
        lines.append(f.police_record)
    return lines


def _fields(a: Article, views: int) -> list[tuple[str, str]]:
    """(kind, value) of the header fields the page shows, in order; none without a header line."""
    if not a.header_line:
        return []
    out = [("date", a.published.isoformat())]
    if a.source:
        out.append(("source", esc(a.source)))
    out.append(("views", str(views)))
    return out


def _summary(a: Article) -> str:
    """A picture-news teaser: the first sentences of an article, prose like the body."""
    first = a.paragraphs[0] if a.paragraphs else a.title_core
    return esc(first[:70]) + "……"


def _body_parts(a: Article, image: Callable[[str, str | None], str], player: str) -> list[str]:
    """A video article's player (in the family's own `player` form), paragraphs, images
    (`image(src, caption)` writes one in the family's markup), signature lines and attachment lines."""
    out: list[str] = [f'<div class="video-box">{player_html(a, player)}</div>'] if a.video is not None else []
    for i, para in enumerate(a.body_paragraphs):
        out.append(f"<p>{indent(a)}{article_text(para, a)}</p>")
        for im in a.images:
            if im.after == i and i < len(a.paragraphs):
                out.append(image(article_path(im.path, a), article_text(im.caption, a) if im.caption else None))
    out.extend(f'<p align="right">{article_text(line, a)}</p>' for line in a.signature_lines)
    out.extend(f'<p>附件:<a href="{article_path(t.path, a)}">{article_text(t.name, a)}</a></p>' for t in a.attachments)
    return out


PRINT_CONTROLS = '<a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a>'


# ---- portal (TRS-like) ---------------------------------------------------------------------------

_PORTAL_LABELS = {"date": "发布日期", "source": "来源", "views": "浏览次数"}


def _portal(a: Article, ctx: PageContext) -> str:
    meta = "".join(f"<span>{_PORTAL_LABELS[k]}：{v}</span>" for k, v in _fields(a, ctx.views))
    pics = "".join(
        f'<li><a href="{ARTICLE_PATH.format(id=s.id)}">'
        + (f'<img src="{esc(s.images[0].path)}" alt="">' if s.images else "")
        + f"</a><h5>{esc(s.title_core)}</h5><p>{_summary(s)}</p></li>"
        for s in ctx.sidebar[:5]
    )
    body = _body_parts(a, lambda src, cap: f'<p style="text-align:center"><img src="{src}" alt=""></p>'
                       + (f'<p class="pic-caption">{cap}</p>' if cap else ""), "video_src")
    return (
        _head(a.title, ctx, "_")
        + '<div id="top"><div class="logo"><h1>南昌市总工会</h1><p>职工之家 工会新闻</p></div></div>\n'
        + _nav("div", "mainnav")
        + f'<div id="container">\n<div class="crumbs">您现在的位置：首页 &gt; {CATEGORIES[a.category]}</div>\n'
        + '<div class="left-col"><div class="article-box">\n'
        + f'<h1 class="art-head">{article_text(a.title, a)}</h1>\n'
        + (f'<div class="art-meta">{meta}</div>\n' if meta else "")
        + '<div class="art-body" id="artContent">\n' + "\n".join(body) + "\n</div>\n"
        + f'<div class="art-tools">{PRINT_CONTROLS}</div>\n'
        + "</div></div>\n"
        + f'<div class="right-col"><div class="pic-news"><h4>图片新闻</h4><ul>{pics}</ul></div></div>\n'
        + "</div>\n"
        + '<div id="bottom">' + "".join(f"<p>{line}</p>" for line in _footer_lines(ctx.footer)) + "</div>\n"
        + _tail()
    )


# ---- hanweb (tables, li fields, lazy images) -----------------------------------------------------

_HANWEB_LABELS = {"date": "时间", "source": "信息来源", "views": "点击数"}


def _hanweb(a: Article, ctx: PageContext) -> str:
    meta = "".join(f"<li>{_HANWEB_LABELS[k]}:{v}</li>" for k, v in _fields(a, ctx.views))
    hot = "".join(f'<tr><td><a href="{ARTICLE_PATH.format(id=s.id)}">{esc(s.title)}</a></td></tr>' for s in ctx.sidebar)
    body = _body_parts(a, lambda src, cap: f'<div class="pic"><img src="{src}" data-src="{src}" class="lazy"></div>'
                       + (f'<div class="pic-caption">{cap}</div>' if cap else ""), "embed")
    return (
        _head(a.title, ctx, " - ")
        + '<table class="tb-top" width="1000" align="center"><tr><td class="tb-logo">'
        + '<img src="/static/images/logo.png" alt="南昌市总工会"></td></tr></table>\n'
        + _nav("div", "tb-nav")
        + '<table class="tb-main" width="1000" align="center"><tr>\n<td class="tb-side" valign="top">'
        + f'<table class="side-list"><tr><th>热点新闻</th></tr>{hot}</table></td>\n'
        + '<td class="tb-content" valign="top">\n'
        + f'<table width="100%"><tr><td class="bt_title">{article_text(a.title, a)}</td></tr>\n'
        + (f'<tr><td><ul class="bt_info">{meta}</ul></td></tr>\n' if meta else "")
        + '<tr><td><div class="bt_content">\n' + "\n".join(body) + "\n</div></td></tr>\n"
        + f'<tr><td class="bt_tools">{PRINT_CONTROLS}</td></tr>\n</table>\n'
        + "</td></tr></table>\n"
        + '<table class="tb-foot" width="1000" align="center"><tr><td>'
        + "<br>".join(_footer_lines(ctx.footer)) + "</td></tr></table>\n"
        + _tail()
    )


# ---- vue (div soup, label and value in separate elements, figures) -------------------------------

_VUE_LABELS = {"date": "发布时间", "source": "来源", "views": "浏览量"}


def _vue(a: Article, ctx: PageContext) -> str:
    meta = "".join(f'<div class="c-3f2a"><em>{_VUE_LABELS[k]}：</em><i>{v}</i></div>' for k, v in _fields(a, ctx.views))
    related = "".join(
        f'<div class="c-9d1e"><a href="{ARTICLE_PATH.format(id=s.id)}">{esc(s.title_core)}</a></div>' for s in ctx.notices
    )
    body = _body_parts(a, lambda src, cap: f'<figure class="c-img"><img src="{src}">'
                       + (f"<figcaption>{cap}</figcaption>" if cap else "") + "</figure>", "video_source")
    return (
        _head(a.title, ctx, " | ")
        + '<div id="app" data-server-rendered="true">\n<div class="c-a01"><div class="c-a02">南昌市总工会</div>'
        + _nav("nav", "c-a03") + "</div>\n"
        + '<div class="c-b01"><div class="c-b02">\n'
        + f'<div class="c-b10">{article_text(a.title, a)}</div>\n'
        + (f'<div class="c-b11">{meta}</div>\n' if meta else "")
        + '<div class="c-b12">\n' + "\n".join(body) + "\n</div>\n"
        + f'<div class="c-b13">{PRINT_CONTROLS}</div>\n</div>\n'
        + f'<div class="c-b20"><div class="c-b21">通知公告</div>{related}</div>\n</div>\n'
        + '<div class="c-f01">' + "".join(f'<div class="c-f02">{line}</div>' for line in _footer_lines(ctx.footer))
        + "</div>\n</div>\n"
        + _tail()
    )


RENDERERS: dict[str, Callable[[Article, PageContext], str]] = {
    CLASSIC: render_article,
    "portal": _portal,
    "hanweb": _hanweb,
    "vue": _vue,
}
FAMILIES = tuple(RENDERERS)


def render_in_family(family: str, a: Article, ctx: PageContext) -> str:
    """Article `a` in template family `family` (one of FAMILIES)."""
    return RENDERERS[family](a, ctx)
