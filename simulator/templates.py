"""HTML of the simulated site, one renderer per page kind and article era.

The class names and text shapes are the contract with the parser (docs/architecture.md, "Simulated
site HTML hooks"). Everything around them (head, scripts, menus, sidebar, share and prev/next links) is
there so that an extractor has to earn its keep. All text is GBK-encodable so `--encoding gbk` works.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.article import CATEGORIES, Article, FooterState
from simulator.refs import article_path, article_text, esc, indent
from simulator.video import player_html

ARTICLE_PATH = "/nczhghcms/article/{id}"
LIST_PATH = "/nczhghcms/category/{category}?pageNum={page}"
# `--list-shape path`: the same list pages under another URL shape, so tests prove discovery finds
# the lists through the site's own links without being told their shape.
LIST_PATH_SHAPES = {"query": LIST_PATH, "path": "/nczhghcms/list/{category}_{page}.html"}
LIST_PAGE_SIZE = 15


@dataclass(frozen=True)
class PageContext:
    """What a page needs besides its article: site state that changes from day to day."""

    charset: str | None  # value of the meta charset, None for no meta tag
    footer: FooterState
    views: int
    prev_article: Article | None  # newer neighbour in the category list
    next_article: Article | None
    sidebar: list[Article]  # newest linked articles, for the "热点新闻" block
    notices: list[Article]  # newest linked articles of category 175
    list_path: str = LIST_PATH  # the list pages' URL shape (LIST_PATH_SHAPES)


def _meta(charset: str | None, old_style: bool) -> str:
    if charset is None:
        return ""
    if old_style:
        return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
    return f'<meta charset="{charset}">\n'


def _head(title: str, charset: str | None, old_style: bool = False) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
        + _meta(charset, old_style)
        + '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{esc(title)} - 南昌市总工会</title>\n"
        '<meta name="keywords" content="南昌市总工会,南昌工会,工会新闻,职工之家">\n'
        '<meta name="description" content="南昌市总工会官方网站">\n'
        '<link rel="stylesheet" type="text/css" href="/static/css/common.css">\n'
        "<style type=\"text/css\">\n"
        ".wrap{width:1100px;margin:0 auto}.detail-title{font-size:22px;text-align:center;color:#b00}\n"
        ".detail-info{text-align:center;color:#999;font-size:13px}.news-list li{line-height:32px}\n"
        ".footer{background:#b00;color:#fff;text-align:center;padding:10px 0}\n"
        "</style>\n"
        '<script type="text/javascript" src="/static/js/jquery-1.8.3.min.js"></script>\n'
        "<script type=\"text/javascript\">\n"
        "function setFontSize(size){var z=document.getElementById('zoom');if(z){z.style.fontSize=size+'px';}}\n"
        "var _hmt=_hmt||[];\n"
        "</script>\n"
        "</head>\n"
    )


def _menu(list_path: str) -> str:
    items = "".join(
        f'<li><a href="{list_path.format(category=c, page=1)}">{name}</a></li>' for c, name in CATEGORIES.items()
    )
    return (
        '<div class="top-bar"><div class="wrap"><span class="welcome">欢迎访问南昌市总工会网站!</span>'
        ' <a href="javascript:void(0)" class="set-home">设为首页</a> <a href="javascript:void(0)">加入收藏</a>'
        "</div></div>\n"
        '<div class="header wrap"><div class="logo"><a href="/"><img src="/static/images/logo.png" alt="南昌市总工会"></a>'
        '</div><form class="search" action="/nczhghcms/search" method="get"><input type="text" name="keyword" '
        'placeholder="请输入关键字"><button type="submit">搜索</button></form></div>\n'
        f'<div class="menu"><ul class="wrap"><li><a href="/">首页</a></li>{items}'
        '<li><a href="/plugin/gh/ghzx/index.php">职工服务</a></li></ul></div>\n'
    )


def _footer(f: FooterState) -> str:
    lines = [
        f"{f.org} {f.icp}",
        f"电话:{f.phone} 邮箱:{f.email}",
        f"地址:{f.address} 邮编:{f.postcode}",
    ]
    if f.police_record:
        lines.append(f'<img src="/static/images/police.png" alt=""> {f.police_record}')
    body = "\n".join(f"<p>{line}</p>" for line in lines)
    return f'<div class="footer">\n{body}\n</div>\n'


def _tail() -> str:
    return (
        "<script type=\"text/javascript\">\n"
        "(function(){var hm=document.createElement('script');hm.src='https://hm.baidu.com/hm.js?0f9e8a';"
        "var s=document.getElementsByTagName('script')[0];s.parentNode.insertBefore(hm,s);})();\n"
        "</script>\n</body>\n</html>\n"
    )


def _link_list(arts: list[Article]) -> str:
    return "".join(
        f'<li><a href="{ARTICLE_PATH.format(id=a.id)}" title="{esc(a.title)}">{esc(a.title)}</a></li>' for a in arts
    )


def _sidebar(ctx: PageContext) -> str:
    return (
        '<div class="sidebar">\n'
        f'<div class="side-box"><h3>热点新闻</h3><ul>{_link_list(ctx.sidebar)}</ul></div>\n'
        f'<div class="side-box"><h3>通知公告</h3><ul>{_link_list(ctx.notices)}</ul></div>\n'
        '<div class="side-box"><h3>便民服务</h3><ul><li><a href="/plugin/gh/ghzx/index.php">职工维权热线 12351</a>'
        "</li><li><a href=\"javascript:void(0)\">法律援助</a></li></ul></div>\n"
        "</div>\n"
    )


def _page(title: str, ctx: PageContext, main: str, old_style: bool = False, sidebar: bool = True) -> str:
    """The frame every page of the CMS shares: head, menu, `main` (and the sidebar) in div.main, footer."""
    return (
        _head(title, ctx.charset, old_style)
        + "<body>\n"
        + _menu(ctx.list_path)
        + '<div class="main wrap">\n'
        + main
        + (_sidebar(ctx) if sidebar else "")
        + "</div>\n"
        + _footer(ctx.footer)
        + _tail()
    )


def _breadcrumb(article: Article, list_path: str) -> str:
    cat = article.category
    return (
        f'<div class="location">当前位置:<a href="/">首页</a> &gt; '
        f'<a href="{list_path.format(category=cat, page=1)}">{CATEGORIES[cat]}</a> &gt; 正文</div>\n'
    )


def _prevnext(ctx: PageContext) -> str:
    def one(label: str, a: Article | None) -> str:
        if a is None:
            return f"<p>{label}:没有了</p>"
        return f'<p>{label}:<a href="{ARTICLE_PATH.format(id=a.id)}">{esc(a.title)}</a></p>'

    return f'<div class="detail-prevnext">{one("上一篇", ctx.prev_article)}{one("下一篇", ctx.next_article)}</div>\n'


FONT_CONTROL = (
    '字体大小:【<a href="javascript:setFontSize(16)">默认</a> <a href="javascript:setFontSize(20)">大</a>'
    ' <a href="javascript:setFontSize(16)">中</a> <a href="javascript:setFontSize(14)">小</a>】'
)
SHARE = (
    '<div class="detail-share">分享到:<a href="javascript:void(0)" class="share-wx">微信</a> '
    '<a href="javascript:void(0)" class="share-wb">微博</a> <a href="javascript:void(0)" class="share-qq">QQ空间</a>'
    ' <a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>\n'
)


def _p(text: str, style: int, i: int, a: Article) -> str:
    """A body paragraph; the wrapping varies per article so selectors cannot lean on one shape."""
    t = indent(a) + article_text(text, a)
    if style == 1:
        return f'<p style="text-indent: 2em;">{t}</p>'
    if style == 2:
        return f'<p><span style="font-family: 宋体; font-size: 16px;">{t}</span></p>'
    if style == 3 and i % 3 == 1:
        return f'<p style="line-height: 2em;"><span style="font-size: 16px;">{t}</span></p><p><br/></p>'
    return f"<p>{t}</p>"


def _modern_body(a: Article) -> str:
    out: list[str] = []
    if a.video is not None:
        out.append(f'<p style="text-align: center;">{player_html(a)}</p>')
    paras = a.body_paragraphs
    for i, para in enumerate(paras):
        out.append(_p(para, a.paragraph_style, i, a))
        for img in a.images:
            if img.after == i and i < len(a.paragraphs):
                out.append(f'<p style="text-align: center;"><img src="{article_path(img.path, a)}" alt="" border="0" /></p>')
                if img.caption:
                    out.append(f'<p class="img-caption" style="text-align: center;">{article_text(img.caption, a)}</p>')
    out.extend(f'<p style="text-align: right;">{article_text(line, a)}</p>' for line in a.signature_lines)
    out.extend(
        f'<p class="attachment">附件:<a href="{article_path(att.path, a)}" target="_blank">{article_text(att.name, a)}</a></p>'
        for att in a.attachments
    )
    return "\n".join(out)


def _old_body(a: Article) -> str:
    out: list[str] = []
    sep = "<br>\n&nbsp;<br>\n" if a.old_blank_lines else "<br>\n"
    chunks: list[str] = []
    for i, para in enumerate(a.body_paragraphs):
        indent = "" if i == 0 and a.paragraph_style == 0 else "    "
        chunk = indent + article_text(para, a)
        for img in a.images:
            if img.after == i and i < len(a.paragraphs):
                chunk += f'<br>\n<img src="{article_path(img.path, a)}" border="0">'
                if img.caption:
                    chunk += f'<br>\n<span class="img-caption">{article_text(img.caption, a)}</span>'
        chunks.append(chunk)
    player = f"{player_html(a)}<br>\n" if a.video is not None else ""
    out.append(player + sep.join(chunks))
    for line in a.signature_lines:
        out.append("<br>\n" + " " * 24 + article_text(line, a))
    for att in a.attachments:
        out.append(f'<br>\n附件:<a href="{article_path(att.path, a)}">{article_text(att.name, a)}</a>')
    out.append("<br>\n&nbsp;\n")
    return "".join(out)


def _info_line(a: Article, views: int) -> str:
    if a.template == "nav2020":
        return f"发布时间:{a.published.isoformat()}   来源:{esc(a.source or '')}   浏览量:{views}"
    return f"发布时间:{a.published.isoformat()} 浏览量:{views}"


def render_article(a: Article, ctx: PageContext) -> str:
    """An article page in its era's layout."""
    if a.template == "old":
        return _render_old(a, ctx)
    nav = ""
    if a.template == "nav2020":
        nav = (
            '<div class="nav-bar"><a href="/">网站首页</a> | '
            + " | ".join(f'<a href="{ctx.list_path.format(category=c, page=1)}">{n}</a>' for c, n in CATEGORIES.items())
            + "</div>\n"
        )
    info = f'<div class="detail-info">{_info_line(a, ctx.views)}</div>\n' if a.header_line else ""
    return _page(
        a.title,
        ctx,
        _breadcrumb(a, ctx.list_path)
        + '<div class="detail-left">\n<div class="detail-wrap">\n'
        + nav
        + f'<h2 class="detail-title">{article_text(a.title, a)}</h2>\n'
        + info
        + f'<div class="detail-font">{FONT_CONTROL}</div>\n'
        + f'<div id="zoom" class="detail-content">\n{_modern_body(a)}\n</div>\n'
        + SHARE
        + _prevnext(ctx)
        + "</div>\n</div>\n",
    )


def _render_old(a: Article, ctx: PageContext) -> str:
    info = f'<tr><td class="art-info" align="center">{_info_line(a, ctx.views)}</td></tr>\n' if a.header_line else ""
    prev_next = _prevnext(ctx).replace('<div class="detail-prevnext">', '<div class="art-prevnext">')
    return _page(
        a.title,
        ctx,
        _breadcrumb(a, ctx.list_path)
        + '<table class="art-table" width="760" border="0" cellspacing="0" cellpadding="0" align="left">\n'
        + f'<tr><td class="art-title" align="center">{article_text(a.title, a)}</td></tr>\n'
        + info
        + f'<tr><td class="art-font" align="right">{FONT_CONTROL}</td></tr>\n'
        + f'<tr><td id="zoom" class="art-body">\n{_old_body(a)}</td></tr>\n'
        + f"<tr><td>{prev_next}</td></tr>\n"
        + "</table>\n",
        old_style=True,
    )


def render_not_exist(ctx: PageContext) -> str:
    """A deleted article served as 200 (one of the site's three ways to delete)."""
    return _page(
        "文章不存在",
        ctx,
        '<div class="location">当前位置:<a href="/">首页</a> &gt; 正文</div>\n'
        + '<div class="detail-left">\n<div class="detail-wrap">\n<p class="no-article">该文章不存在或已被删除!</p>\n'
        + "</div>\n</div>\n",
    )


def render_not_found(charset: str | None) -> str:
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        + _meta(charset, False)
        + "<title>404 Not Found</title>\n</head>\n<body>\n<h1>404 Not Found</h1>\n"
        "<p>您访问的页面不存在。</p>\n<hr>\n<address>nginx</address>\n</body>\n</html>\n"
    )


def render_list(category: int, page: int, arts: list[Article], has_next: bool, last_page: int, ctx: PageContext) -> str:
    """A category list page: `ul.news-list > li > a` with `span.date`, `div.pagination a.next`."""
    items = "\n".join(
        f'<li><a href="{ARTICLE_PATH.format(id=a.id)}" title="{esc(a.title)}" target="_blank">{esc(a.title)}</a>'
        f'<span class="date">{a.published.isoformat()}</span></li>'
        for a in arts
    )
    links = [f'<a class="first" href="{ctx.list_path.format(category=category, page=1)}">首页</a>']
    if page > 1:
        links.append(f'<a class="prev" href="{ctx.list_path.format(category=category, page=page - 1)}">上一页</a>')
    links.append(f'<span class="current">{page}</span>')
    if has_next:
        links.append(f'<a class="next" href="{ctx.list_path.format(category=category, page=page + 1)}">下一页</a>')
    links.append(f'<a class="last" href="{ctx.list_path.format(category=category, page=last_page)}">尾页</a>')
    links.append(f"<span class=\"total\">共{last_page}页</span>")
    name = CATEGORIES[category]
    return _page(
        name,
        ctx,
        f'<div class="location">当前位置:<a href="/">首页</a> &gt; {name}</div>\n'
        + f'<div class="list-wrap">\n<h2 class="list-title">{name}</h2>\n<ul class="news-list">\n{items}\n</ul>\n'
        + f'<div class="pagination">{" ".join(links)}</div>\n</div>\n',
    )


def render_home(latest: dict[int, list[Article]], ctx: PageContext) -> str:
    blocks = []
    for c, name in CATEGORIES.items():
        blocks.append(
            f'<div class="home-block"><h3><a href="{ctx.list_path.format(category=c, page=1)}">{name}</a>'
            f'<a class="more" href="{ctx.list_path.format(category=c, page=1)}">更多&gt;&gt;</a></h3>'
            f'<ul class="news-list">{_link_list(latest.get(c, []))}</ul></div>'
        )
    return _page(
        "首页",
        ctx,
        '<div class="banner"><img src="/static/images/banner.jpg" alt=""></div>\n' + "\n".join(blocks) + "\n",
        sidebar=False,
    )


def render_admin(charset: str | None) -> str:
    """Behind robots.txt's Disallow: a crawler that fetches this is misbehaving."""
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        + _meta(charset, False)
        + "<title>后台管理系统</title>\n</head>\n<body>\n<form class=\"login\" method=\"post\" "
        "action=\"/nczhghcms/admin/login\"><input name=\"username\"><input type=\"password\" name=\"password\">"
        "<button>登录</button></form>\n</body>\n</html>\n"
    )


def render_vendor(a: Article, ctx: PageContext) -> str:
    """The vendor (aoyacms) front end: another layout no parse profile matches; one-line footer."""
    f = ctx.footer
    notices = "".join(
        f'<li><a href="/plugin/gh/ghzx/pc_detail.php?erid=34&amp;id={n.id}&amp;yiid=32">{esc(n.title)}</a></li>'
        for n in ctx.notices
    )
    paras = f'<div class="ay-player">{player_html(a, "video_src")}</div>\n' if a.video is not None else ""
    paras += "\n".join(f"<p>{indent(a)}{article_text(p, a)}</p>" for p in a.body_paragraphs)
    paras += "".join(f'\n<p><img src="{article_path(i.path, a)}"></p>' for i in a.images)
    paras += "".join(f"\n<p>{article_text(line, a)}</p>" for line in a.signature_lines)
    return (
        _head(a.title, ctx.charset)
        + "<body>\n"
        + '<div class="ay-top"><div class="ay-logo">南昌市总工会 职工服务平台</div></div>\n'
        + '<div class="ay-main">\n<div class="ay-left">\n'
        + f'<div class="ay-tit">{article_text(a.title, a)}</div>\n'
        + f'<div class="ay-time">时间:{a.published.isoformat()}&nbsp;&nbsp;点击数:{ctx.views}</div>\n'
        + f'<div class="ay-text">\n{paras}\n</div>\n</div>\n'
        + f'<div class="ay-right">\n<div class="ay-block"><div class="ay-bt">通知公告</div><ul>{notices}</ul></div>\n'
        + '<div class="ay-block"><div class="ay-bt">视频播放</div><div class="ay-video">'
        + '<embed src="/plugin/gh/ghzx/video/player.swf" width="260" height="180"></div></div>\n</div>\n</div>\n'
        + f'<div class="ay-copy">CopyRight 2011-2018 {f.org} 版权所有 地址:{f.address} 电话:{f.phone} '
        + f"邮编:{f.postcode} {f.icp} 技术支撑:南昌傲亚信息有限公司</div>\n"
        + _tail()
    )
