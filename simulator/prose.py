"""The simulated site's prose: Chinese titles, sentences, captions and signatures drawn from word
lists and the sentences of a real article (data/seed_body.txt), by a caller's seeded rng, so the
same seed always writes the same text.
"""

from __future__ import annotations

import math
import random
import re
from datetime import date, timedelta
from importlib import resources

DISTRICTS = ("东湖区", "西湖区", "青云谱区", "青山湖区", "新建区", "红谷滩区", "南昌县", "进贤县", "安义县")
UNITS = (
    "青山湖区总工会", "东湖区总工会", "西湖区总工会", "青云谱区总工会", "新建区总工会", "红谷滩区总工会",
    "南昌县总工会", "进贤县总工会", "安义县总工会", "市教育工会", "市卫生健康工会", "南昌铁路局工会",
    "江铃集团工会", "洪都集团工会", "市城管局工会", "市交通运输局工会", "市第一医院", "市第三医院",
)
NAMES = (
    "葛文利", "李志晴", "王琳", "张伟", "刘芳", "陈静", "杨勇", "黄敏", "赵强", "周丽", "吴涛", "徐明",
    "孙霞", "胡军", "朱红", "郭峰", "何平", "罗娟", "熊亮", "万芸", "涂建华", "邓小燕",
)
COLUMNS = ("基层工会动态", "工会新闻", "劳模风采", "职工之家", "普惠服务", "困难帮扶", "权益保障")
SOURCES = ("南昌市总工会", "东湖区总工会", "青山湖区总工会", "南昌日报", "江西工人报", "市总工会办公室")
ACTIVITIES = (
    "劳动技能竞赛", "职工运动会", "金秋助学", "送清凉", "夏送清凉", "冬送温暖", "法律知识讲座",
    "职工读书月", "女职工健康讲座", "劳模座谈会", "工匠评选", "安康杯竞赛", "职工书画摄影展",
    "农民工返乡送车票", "户外劳动者驿站揭牌", "困难职工走访慰问", "集体协商要约", "职工心理健康讲座",
)
MEETINGS = ("全委会议", "工作会议", "经审工作会议", "代表大会", "专题学习会", "工作推进会", "座谈会")
TITLE_FIXES = (("召开", "隆重召开"), ("开展", "组织开展"), ("活动", "系列活动"), ("举办", "成功举办"))

TITLE_PATTERNS = (
    "{unit}开展{activity}活动",
    "{unit}召开{year}年{meeting}",
    "市总工会举办{year}年{activity}",
    "关于开展{year}年{activity}的通知",
    "{district}总工会{activity}活动圆满结束",
    "{unit}组织开展{activity}",
    "市总工会领导到{unit}调研指导工作",
    "{unit}:{activity}温暖职工心",
    "{year}年全市工会{meeting}在昌召开",
)
SENTENCE_PATTERNS = (
    "{month}月{day}日,{unit}组织开展了{activity}活动,{n}余名职工参加。",
    "活动中,{unit}负责同志对{activity}工作提出了具体要求。",
    "此次{activity}活动受到了广大职工的一致好评。",
    "{unit}相关负责人表示,将继续做好{activity}工作,切实为职工办实事、解难事。",
    "据了解,{district}今年已累计投入资金{n}万元,惠及职工{n2}人次。",
    "会上,与会人员认真学习了有关文件精神,并就下一步工作进行了讨论。",
    "{month}月{day}日上午,{unit}召开{meeting},总结上一阶段工作,部署下一阶段任务。",
    "下一步,{district}各级工会将以此次{activity}为契机,进一步增强服务职工的能力。",
)
CAPTION_PATTERNS = ("图为{activity}现场", "{unit}开展{activity}", "{activity}活动合影", "领导为获奖职工颁奖")
ATTACHMENT_PATTERNS = ("关于开展{year}年{activity}的通知", "{year}年{activity}报名表", "{activity}实施方案")
ATTACHMENT_EXTS = ("pdf", "doc", "xls")


def _load_sentences() -> tuple[str, ...]:
    text = resources.files("simulator").joinpath("data/seed_body.txt").read_text("utf-8")
    out: list[str] = []
    for line in text.splitlines():
        for piece in re.findall(r"[^。]+。?", line.strip()):
            piece = piece.strip()
            if len(piece) >= 8:
                out.append(piece)
    return tuple(out)


SEED_SENTENCES = _load_sentences()


def fill(rng: random.Random, pattern: str, year: int) -> str:
    """A pattern (TITLE_PATTERNS, CAPTION_PATTERNS ...) with units, activities, places and numbers drawn."""
    return pattern.format(
        unit=rng.choice(UNITS), activity=rng.choice(ACTIVITIES), meeting=rng.choice(MEETINGS),
        district=rng.choice(DISTRICTS), year=year, month=rng.randint(1, 12), day=rng.randint(1, 28),
        n=rng.randint(2, 30) * 10, n2=rng.randint(100, 9000),
    )


def _sentence(rng: random.Random, year: int, used: set[int]) -> str:
    """A seed sentence not yet used in this article (60%), or a filled-in event sentence."""
    if rng.random() < 0.6 and len(used) < len(SEED_SENTENCES):
        i = rng.randrange(len(SEED_SENTENCES))
        while i in used:
            i = (i + 1) % len(SEED_SENTENCES)
        used.add(i)
        s = SEED_SENTENCES[i]
        return s.replace("东湖区", rng.choice(DISTRICTS)) if "东湖区" in s else s
    return fill(rng, rng.choice(SENTENCE_PATTERNS), year)


def paragraph(rng: random.Random, year: int, used: set[int] | None = None) -> str:
    """One to three sentences."""
    used = set() if used is None else used
    return "".join(_sentence(rng, year, used) for _ in range(rng.choice((1, 1, 2, 2, 3))))


def paragraphs(rng: random.Random, year: int) -> list[str]:
    """An article body: 200 to about 4,800 characters (log-uniform), never over 5,000."""
    target = int(math.exp(rng.uniform(math.log(200), math.log(4800))))
    paras: list[str] = []
    used: set[int] = set()
    total = -2  # length of "\n\n".join(paras): no separator before the first paragraph
    while total < target:
        p = paragraph(rng, year, used)
        if total + len(p) + 2 > 5000:
            if total >= 200:
                break
            p = p[: 5000 - total - 3].rstrip(",、") + "。"
        paras.append(p)
        total += len(p) + 2
    return paras


def signature_lines(rng: random.Random, published: date) -> list[str]:
    """The signature block under a body, in one of the forms the real site uses, or none."""
    kind = rng.choices(("unit_name", "unit_colon", "name", "unit", "byline", "none"), (3, 2, 1, 1, 2, 3))[0]
    unit, name = rng.choice(UNITS), rng.choice(NAMES)
    if kind == "none":
        return []
    line = {
        "unit_name": f"{unit} {name}", "unit_colon": f"{unit}:{name}", "name": name, "unit": unit,
        "byline": f"({unit}{name})",
    }[kind]
    lines = [line]
    if rng.random() < 0.3:
        d = published - timedelta(days=rng.randint(0, 2))
        lines.append(f"{d.year}年{d.month}月{d.day}日")
    return lines
