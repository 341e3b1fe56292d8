"""`ncgh sim`: run the local site simulator until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import threading

import click

from simulator.config import ENCODINGS, LIES, LIST_SHAPES, SimConfig  # the options' defaults are SimConfig's
from simulator.families import FAMILIES


@click.command(name="sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it on loopback).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--articles", default=SimConfig.articles, show_default=True, type=click.IntRange(1, 100_000),
              help="Articles in the initial corpus (day 0).")
@click.option("--seed", default=SimConfig.seed, show_default=True, type=int, help="Same seed, same site, byte for byte.")
@click.option("--day", default=SimConfig.day, show_default=True, type=click.IntRange(0, 10_000), help="Simulated day to start at.")
@click.option("--encoding", default=SimConfig.encoding, show_default=True, type=click.Choice(ENCODINGS),
              help="Character encoding of the HTML pages.")
@click.option("--faults", default=None, metavar="SPEC",
              help='Injected faults, e.g. "500=0.05,503=0.02,429=0.02,timeout=0.01,reset=0.01,truncate=0.01,garbage=0.005".')
@click.option("--no-charset-header", is_flag=True, help="Send Content-Type without a charset parameter.")
@click.option("--no-meta-charset", is_flag=True, help="Leave the <meta> charset out of the pages.")
@click.option("--lie", default=SimConfig.lie, show_default=True, type=click.Choice(LIES),
              help="Make the header or the meta tag name the wrong charset.")
@click.option("--fault-timeout", default=SimConfig.fault_timeout_seconds, show_default=True, type=float,
              help="Seconds a 'timeout' fault stalls before answering.")
@click.option("--id-range", default=None, type=(int, int), metavar="LOW HIGH",
              help="Initial article ids (the real site's bands scaled into it); room for 10 ids per article. "
                   "Default: 800 26500, widened for more than 2,560 articles.")
@click.option("--list-shape", default=SimConfig.list_shape, show_default=True, type=click.Choice(LIST_SHAPES),
              help="URL shape of the list pages: query (/nczhghcms/category/3?pageNum=2) or path "
                   "(/nczhghcms/list/3_2.html).")
@click.option("--api-login", is_flag=True, help="Make the JSON API refuse every request ({\"code\": 401, \"msg\": \"请先登录\"}).")
@click.option("--waf", "waf_limit", default=SimConfig.waf_limit, show_default=True, type=click.IntRange(min=0),
              metavar="N", help="A WAF in front of the site: more than N requests from one client within "
                                "--waf-window seconds and every answer is a block page for --waf-block seconds (0: none).")
@click.option("--waf-window", default=SimConfig.waf_window_seconds, show_default=True, type=float,
              help="Seconds of the WAF's request window.")
@click.option("--waf-block", default=SimConfig.waf_block_seconds, show_default=True, type=float,
              help="Seconds a WAF block lasts.")
@click.option("--waf-forms", default=SimConfig.waf_forms, show_default=True,
              help="The block pages, in turn: cookie (200 cookie challenge), jsl (521), deny (403), captcha (429).")
@click.option("--markup", default=SimConfig.markup, show_default=True, type=click.Choice(FAMILIES),
              help="Template family of the article pages (docs/simulator.md, \"Template families\").")
@click.option("--redesign", default=None, type=(click.IntRange(0, 10_000), click.Choice(FAMILIES)),
              metavar="DAY FAMILY", help="From simulated day DAY on, render article pages in FAMILY (a redesign).")
@click.option("--video-bytes", default=SimConfig.video_bytes, show_default=True, type=int, metavar="N",
              help="Mean size of the video-lesson videos (each 0.5-1.5 times N, by its path).")
@click.option("--photo-bytes", default=SimConfig.photo_bytes, show_default=True, type=int, metavar="N",
              help="Mean size of the articles' photos (each 0.5-1.5 times N, incompressible; 0: tiny placeholders).")
@click.option("--page-bytes", default=SimConfig.page_bytes, show_default=True, type=int, metavar="N",
              help="Mean size of the article pages (each 0.5-1.5 times N, by an inline script; 0: as templated).")
def command(host: str, port: int, articles: int, seed: int, day: int, encoding: str, faults: str | None,
            no_charset_header: bool, no_meta_charset: bool, lie: str, fault_timeout: float,
            id_range: tuple[int, int] | None, list_shape: str, api_login: bool, waf_limit: int, waf_window: float,
            waf_block: float, waf_forms: str, markup: str, redesign: tuple[int, str] | None,
            video_bytes: int, photo_bytes: int, page_bytes: int) -> None:
    """Run the local site simulator over HTTP (see docs/simulator.md)."""
    from simulator import SimServer

    try:
        config = SimConfig(articles=articles, seed=seed, day=day, encoding=encoding, faults=faults,
                           charset_header=not no_charset_header, meta_charset=not no_meta_charset, lie=lie,
                           fault_timeout_seconds=fault_timeout, id_range=id_range, list_shape=list_shape,
                           api_login=api_login, waf_limit=waf_limit, waf_window_seconds=waf_window,
                           waf_block_seconds=waf_block, waf_forms=waf_forms,
                           markup=markup, redesign_day=redesign[0] if redesign else None,
                           redesign_markup=redesign[1] if redesign else None, video_bytes=video_bytes,
                           photo_bytes=photo_bytes, page_bytes=page_bytes)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        server = SimServer(config, host=host, port=port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server.start()
    click.echo(f"ncgh sim serving {server.url} (seed {seed}, day {server.state.day}, {articles} articles,"
               f" markup {server.site.markup})", err=False)
    click.echo(f"  truth: {server.url}/__sim__/truth   advance: POST {server.url}/__sim__/advance?days=1")
    if waf_limit:
        click.echo(f"  WAF: more than {waf_limit} requests per client in {waf_window:g} s, then block pages"
                   f" ({waf_forms}) for {waf_block:g} s")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        click.echo("ncgh sim stopped")
