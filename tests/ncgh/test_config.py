"""config.toml loading: defaults, key-by-key overrides, and errors that name the file and key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from ncgh.config import Config, ConfigError, config_from_dict, load_config

ROOT_CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_match_the_root_config_file_key_for_key():
    """config.toml shows every default; [fetch] and [parse] ones, written in scraper.settings, as
    `# key = value` comments, which must say what the code says."""
    cfg = load_config()
    shown = re.sub(r"^# ([a-z_]+ = )", r"\1", ROOT_CONFIG.read_text(encoding="utf-8"), flags=re.MULTILINE)
    raw = tomllib.loads(shown)
    assert set(raw["fetch"]) == {f.name for f in fields(cfg.fetch)}
    assert set(raw["parse"]) == {f.name for f in fields(cfg.parse)}
    assert set(raw["blocks"]) == {f.name for f in fields(cfg.blocks)}
    assert "article_paths" in raw["site"]
    for section, values in raw.items():
        obj = getattr(cfg, section)
        for key, value in values.items():
            got = getattr(obj, key)
            if isinstance(value, list):
                expected = tuple(tuple(v) if isinstance(v, list) else v for v in value)
                assert got == expected, f"{section}.{key}"
            else:
                assert got == value, f"{section}.{key}"
    assert cfg.site.name == "ncgh"
    assert cfg.fetch.delay == 1.0
    assert cfg.discovery.id_range == (800, 27000)


def test_user_file_overrides_key_by_key(tmp_path):
    path = write(tmp_path, '[fetch]\ndelay = 0\n[site]\nbase_url = "http://127.0.0.1:8000/"\n')
    cfg = load_config(path)
    assert cfg.fetch.delay == 0.0
    assert cfg.site.base_url == "http://127.0.0.1:8000"  # trailing slash dropped
    # untouched keys keep the defaults, in the same section and elsewhere
    assert cfg.fetch.max_attempts == load_config().fetch.max_attempts
    assert cfg.site.host_aliases == load_config().site.host_aliases
    assert cfg.source == str(path)


def test_config_is_frozen_and_serialisable():
    cfg = load_config()
    with pytest.raises(AttributeError):
        cfg.fetch.delay = 3  # type: ignore[misc]
    assert '"delay": 1.0' in cfg.to_json()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[fetch]\ndelay = "fast"\n', "config.toml: fetch.delay must be a number >= 0 and <= 3600, got 'fast'"),
        ("[fetch]\ndelay = -1\n", "fetch.delay must be a number >= 0 and <= 3600, got -1"),
        ("[fetch]\nobey_robots = 1\n", "fetch.obey_robots must be true or false, got 1"),
        ("[fetch]\nmax_attempts = 0\n", "fetch.max_attempts must be an integer from 1 to 100, got 0"),
        ("[fetch]\nmax_attempts = 2.5\n", "fetch.max_attempts must be an integer from 1 to 100, got 2.5"),
        ("[fetch]\nmax_attempts = true\n", "fetch.max_attempts must be an integer from 1 to 100, got True"),
        ("[fetch]\ndelya = 1\n", "unknown key fetch.delya"),
        ("[fecth]\ndelay = 1\n", "unknown section [fecth]"),
        ("[discovery]\nid_range = [5, 1]\n", "discovery.id_range must be [low, high]"),
        ('[discovery]\nsources = ["rss"]\n', "discovery.sources must be a list of values from ['hubs', 'sitemap', 'list', 'api', 'frontier']"),
        ('[discovery]\nlist_url_template = "/cat/{category}"\n', "discovery.list_url_template must be \"\" (none) or a path"),
        ("[revisit]\nschedule = [[30, 3], [7, 1]]\n", "revisit.schedule must be a non-empty list"),
        ("[revisit]\nbudget = -5\n", "revisit.budget must be an integer from 0 to 10000000, got -5"),
        ('[revisit]\nfill_budget = "yes"\n', "revisit.fill_budget must be true or false, got 'yes'"),
        ("[revisit]\nfill_min_days = -1\n", "revisit.fill_min_days must be a number >= 0 and <= 36500, got -1"),
        ('[site]\nbase_url = "ftp://x"\n', "site.base_url must be an http:// or https:// URL"),
        ('[site]\nbase_url = "http://[::1"\n', "site.base_url must be an http:// or https:// URL"),
        ('[site]\nbase_url = "http://h:port/"\n', "site.base_url must be an http:// or https:// URL"),
        ('[site]\nbase_url = "http://:80/"\n', "site.base_url must be an http:// or https:// URL"),
        ('[site]\narticle_paths = ["/a/"]\n', "site.article_paths must be a list of paths"),
        ('[site]\ntimezone = "Mars/Olympus"\n', "site.timezone must be an IANA time zone name"),
        ("[archive]\ngone_after = 0\n", "archive.gone_after must be an integer from 1 to 1000, got 0"),
        ("[archive]\ncommit_captures = 0\n", "archive.commit_captures must be an integer from 1 to 100000, got 0"),
        ("[archive]\ncommit_seconds = -1\n", "archive.commit_seconds must be a number >= 0 and <= 3600, got -1"),
        ("fetch = 3\n", "fetch must be a table"),
        ('[parse]\ntitle_selectors = ["h2[[["]\n', "[parse] title_selectors: invalid CSS selector 'h2[[['"),
        ('[parse]\nstrip_selectors = ["div >> p"]\n', "[parse] strip_selectors: invalid CSS selector"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path) + ": ")


def test_toml_syntax_error_gives_the_line(tmp_path):
    path = write(tmp_path, "[fetch]\ndelay = 1\nuser_agent = \n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert "line 3" in str(info.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_config_from_dict_for_programmatic_use():
    cfg = config_from_dict({"revisit": {"schedule": [[100000, 1]], "budget": 10}})
    assert isinstance(cfg, Config)
    assert cfg.revisit.schedule == ((100000, 1.0),)
    assert cfg.revisit.budget == 10
    assert cfg.revisit.fill_budget is True and cfg.revisit.fill_min_days == 1  # the shipped defaults
    with pytest.raises(ConfigError, match="<dict>: revisit.budget"):
        config_from_dict({"revisit": {"budget": "many"}})


def test_fetch_policy_and_site_profile_builders():
    pytest.importorskip("scraper.fetch")
    pytest.importorskip("scraper.parse")
    from ncgh.config import to_fetch_policy, to_site_profile

    cfg = load_config()
    policy = to_fetch_policy(cfg, "http://127.0.0.1:8123")
    assert policy.delay == cfg.fetch.delay
    assert policy.user_agent == cfg.fetch.user_agent
    assert "127.0.0.1:8123" in policy.allowed_hosts
    assert "www.ncgh.org.cn" in policy.allowed_hosts
    assert to_fetch_policy(cfg, None, delay=0).delay == 0
    profile = to_site_profile(cfg)
    assert tuple(profile.title_selectors) == cfg.parse.title_selectors
    assert tuple(profile.missing_patterns) == cfg.parse.missing_patterns


def test_blocks_keys_are_checked_naming_the_key(tmp_path):
    """[blocks]: a bad regular expression or status is refused up front, naming the key."""
    bad_regex = write(tmp_path, '[blocks]\nchallenge_scripts = ["document\\\\.cookie", "("]\n')
    with pytest.raises(ConfigError, match=r"blocks\.challenge_scripts must be a list of regular expressions"):
        load_config(bad_regex)
    bad_status = write(tmp_path, "[blocks]\nstatuses = [403, 99]\n")
    with pytest.raises(ConfigError, match=r"blocks\.statuses must be a list of integers from 100 to 599"):
        load_config(bad_status)
    with pytest.raises(ConfigError, match=r"blocks\.stop_after must be an integer from 1"):
        load_config(write(tmp_path, "[blocks]\nstop_after = 0\n"))
    cfg = load_config(write(tmp_path, '[blocks]\npatterns = ["请稍候"]\nstop_after = 3\n'))
    assert cfg.blocks.patterns == ("请稍候",) and cfg.blocks.stop_after == 3
    assert cfg.blocks.statuses == load_config().blocks.statuses
