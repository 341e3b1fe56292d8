"""The player of a video-lesson article, in the markup its page uses.

Real CMS pages play a lesson three ways: `<video controls src=... poster=...>`, `<video>` with a
`<source type="video/mp4">` child and a fallback sentence for old browsers (text no extractor may
keep), and a Flash-era `<embed src=...mp4>`. The article picks one (`VideoSpec.player`); a template
family may force its own (`player_html(..., player=...)`). Links are written in the article's
character-reference style, as its images are.
"""

from __future__ import annotations

from simulator.article import Article
from simulator.refs import article_path

FALLBACK = "您的浏览器不支持视频播放，请升级浏览器。"


def player_html(a: Article, player: str | None = None) -> str:
    """The player element of video article `a` (empty for an article without a video)."""
    v = a.video
    if v is None:
        return ""
    src, poster = article_path(v.path, a), article_path(v.poster, a)
    kind = player or v.player
    if kind == "embed":
        return (f'<embed src="{src}" type="video/mp4" width="640" height="360" autostart="false" '
                'allowfullscreen="true" wmode="transparent" />')
    if kind == "video_source":
        return (f'<video class="edui-upload-video" controls="controls" preload="none" width="640" height="360" '
                f'poster="{poster}"><source src="{src}" type="video/mp4" />{FALLBACK}</video>')
    return f'<video controls="controls" src="{src}" poster="{poster}" width="640" height="360"></video>'
