"""Project names: one key per project across its aliases, and lookup of a user's name.

Two names are one project when their keys (phases, organisation words and generic suffixes
removed) are equal; within one article also when one key contains the other or abbreviates it
(清原抽蓄 ⊂ 清原抽水蓄能电站, characters in order with the same first two).

A registered name must identify its project (`identified`: a place, a firm, a proper noun or an
abbreviation). One that does not (75万千瓦风电项目, 再生铝项目) is registered with the place its
article names before it (`name_places`), keyed and shown with it (义县再生铝项目), and is left
out of the registry when no place is named; its claims keep their `project` either way.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from index.lexicon import load_json, word_frequencies


@functools.cache
def _rules():
    table = load_json("project_registry.json")
    organisation = sorted(table["organisation_words"], key=len, reverse=True)
    suffixes = sorted(table["generic_suffixes"], key=len, reverse=True)
    return {
        "phase": re.compile(table["phase_pattern"]),
        "organisation": re.compile("|".join(map(re.escape, organisation))),
        "suffix": re.compile("(?:" + "|".join(map(re.escape, suffixes)) + ")$"),
        "min_key": int(table["min_key_chars"]),
        "fuzzy": float(table["fuzzy_threshold"]),
        "suggest": float(table["suggestion_threshold"]),
        "region": re.compile("[\u4e00-\u9fff]{1,6}?(?:" + "|".join(map(re.escape, table.get("region_suffixes", ()))) + ")")
        if table.get("region_suffixes") else None,
        "region_not": frozenset(table.get("region_not", ())),
        "generic": re.compile("|".join(map(re.escape, sorted(table.get("generic_name_words", ()), key=len, reverse=True))))
        if table.get("generic_name_words") else None,
        "proper_flags": frozenset(table["proper_flags"]),
        "not_proper": frozenset(table["not_proper"]),
        "places": re.compile("|".join(map(re.escape, sorted(table["places"], key=len, reverse=True)))),
        "abbreviated": re.compile("(?:" + "|".join(map(re.escape, sorted(table["abbreviated_types"], key=len, reverse=True))) + ")"),
        "place_tails": tuple(sorted(table["place_tails"], key=len, reverse=True)),
        "organisation_any": re.compile("|".join(map(re.escape, sorted(table["firm_words"], key=len, reverse=True)))),
        "rare_word": int(table["rare_word_frequency"]),
        "network_types": frozenset(table["network_types"]),
        "provinces": re.compile("(?:" + "|".join(map(re.escape, sorted(table["provinces"], key=len, reverse=True)))
                                + ")(?:省|市|自治区|特别行政区|维吾尔自治区|壮族自治区|回族自治区)?"),
        "work_words": re.compile("(?:" + "|".join(map(re.escape, sorted(_work_words(), key=len, reverse=True))) + ")$"),
        "capacity": re.compile(table["capacity_lead"]),
        "named_type": re.compile("(?:" + "|".join(map(re.escape, sorted(table["named_types"], key=len, reverse=True)))
                                 + ")(?:工程|项目)?(?:[\u4e00-\u9fff]{2,12}段)?$"),
        "sector": re.compile("|".join(map(re.escape, sorted(table["sector_words"], key=len, reverse=True)))),
        "common_noun": int(table["common_noun_frequency"]),
        "network_place": int(table["network_place_frequency"]),
        "firm_ends": tuple(table["firm_ends"]),
        "region_word": re.compile(table["region_word"]),
        "network_tails": frozenset(table["network_types"]) | frozenset(table["network_tails"]),
    }


def _work_words() -> set[str]:
    """What a project or a work is called after its name (项目, 铁路, 中心): a word jieba tags proper
    that ends with one (高速铁路/nz, 广播中心/nt) names no project by itself."""
    return set(load_json("work_types.json")["types"]) | set(load_json("project_names.json")["suffixes"])


def min_key_chars() -> int:
    """Keys shorter than this are too generic to join names across articles or by containment."""
    return _rules()["min_key"]


def name_key(name: str) -> str:
    """The part of a project name that identifies it: 凯荣国际锦州生产基地项目 -> 凯荣锦州生产基地."""
    rules = _rules()
    key = "".join(name.split())
    key = rules["phase"].sub("", key)
    key = rules["suffix"].sub("", key)
    key = rules["organisation"].sub("", key)
    return rules["suffix"].sub("", key)


NOT_FIRST = set("全各本该我这那其每此某")     # 全市, 各县区, 该市: no place named


def article_region(title: str | None, paragraphs) -> str | None:
    """The place an article is about: the first place with an administrative suffix (锦州市,
    凉山彝族自治州) in its title, else in its first body paragraph."""
    rx = _rules()["region"]
    if rx is None:
        return None
    texts = [title or ""] + [p.text for p in paragraphs if getattr(p, "kind", "body") == "body"][:1]
    for text in texts:
        for m in rx.finditer(text or ""):
            region = m.group(0)
            if text[m.end():m.end() + 1] in ("市", "县", "区", "省"):
                region += text[m.end()]           # 锦州|市: the lazy match stopped at 州
            if region not in _rules()["region_not"] and len(region) >= 2 and region[0] not in NOT_FIRST:
                return region
    return None


def registry_key(name: str, region: str | None, qualify: bool = False) -> str:
    """The key a name is registered under: its name_key, qualified by the article's region when
    the name is made only of generic words (环城高速公路 of 锦州市 is not 环城高速公路 of 盘锦市),
    or by `region` whatever the name when `qualify` (a name that identifies no project alone)."""
    key = name_key(name)
    if region and key and (qualify or (generic_name(key) and not identified(key))) and not key.startswith(region):
        return f"{region}·{key}"
    return key


def _posseg():
    import jieba.posseg  # noqa: PLC0415 - loaded by the extractor already; here only on a write
    return jieba.posseg


@functools.lru_cache(maxsize=65536)
def identified(name: str) -> bool:
    """The name identifies one project by itself: it holds a place (a province, a word jieba tags
    as a place), a firm (集团, 公司), a proper noun or an abbreviation (中老铁路, 遂大高速, 沪渝蓉高铁).
    Sector words, capacities and work types alone do not (75万千瓦风电项目, 再生铝项目, 第四代核电站);
    a name that opens with its capacity (100兆瓦塔式光热项目) is identified by a place or a firm only:
    the tagger reads its sector words as proper nouns (塔式/nz, 牧光/nr)."""
    rules = _rules()
    firm = rules["organisation_any"].search(name)
    if firm and firm.start() >= 2:
        return True                        # 公司生产线: a firm's word with no firm named
    if any(not rules["provinces"].fullmatch(m.group(0)) for m in rules["places"].finditer(name)):
        return True                        # a city (合肥, 西安机场); a province alone is too wide
    if rules["capacity"].match(name):
        return any(not rules["provinces"].fullmatch(p) for p in _places(name))
    if ROUTE.search(name):
        return True                        # 黄桶至百色铁路: a route names its two ends
    words = [(w.word, w.flag) for w in _posseg().cut(name)]
    run = 0                                # one-character abbreviations in a row: 沪|渝|蓉, 津|潍
    for word, flag in words:
        if _proper(word, flag, rules):
            if len(word) >= 2:
                return True
            run += 1
            if run >= 2:
                return True
        else:
            run = 0
    # a work's two-character head that is no common word is the abbreviation of its ends or a
    # place (中老铁路, 深中通道, 甬舟铁路, 平陆运河); 水面高速, 城市地铁, 沙漠公路 are common words,
    # and so are a dictionary noun seen often (动车, 外环) and a verb's phrase (出湖, 穿沙)
    freq = word_frequencies()
    for m in rules["abbreviated"].finditer(name):
        head = name[max(0, m.start() - 2):m.start()]
        if len(head) == 2 and HAN.fullmatch(head) and head not in rules["not_proper"] \
                and freq.get(head, 0) < rules["rare_word"] and not _common_head(head, rules):
            return True
    return False


def _proper(word: str, flag: str, rules) -> bool:
    """A word that makes a name proper: tagged so, not a common word the tagger tags so (光伏/j),
    not a province alone, not a work word (高速铁路/nz) and not a region's area (东北地区)."""
    if flag not in rules["proper_flags"] or word in rules["not_proper"] or rules["provinces"].fullmatch(word):
        return False
    work = rules["work_words"].search(word) if len(word) > 2 else None
    if work:
        stem = word[:work.start()]
        return len(stem) >= 2 and any(_proper(w.word, w.flag, rules) for w in _posseg().cut(stem))
    region = rules["region_word"].fullmatch(word)
    return not (region and (region.group(1) in rules["not_proper"] or not region.group(1)))


def _common_head(head: str, rules) -> bool:
    words = [(w.word, w.flag) for w in _posseg().cut(head)]
    if any(flag.startswith("v") for _, flag in words) and not any(flag == "j" for _, flag in words):
        return True                        # 出|湖, 穿|沙; 筑|蓉 is 筑 (贵阳) and 蓉 (成都)
    return len(words) == 1 and words[0][1] == "n" and word_frequencies().get(head, 0) >= rules["common_noun"]


HAN = re.compile(r"[\u4e00-\u9fff]+")
ROUTE = re.compile(r"[\u4e00-\u9fff]{2}(?:至|到)[\u4e00-\u9fff]{2}")


def _places(text: str) -> list[str]:
    """The places `text` names, in order: words jieba tags as places, or provinces, run together
    with what extends them (河北|邢台|高新区, 甘肃|酒泉|瓜州|县)."""
    rules = _rules()
    runs, current = [], ""
    for w in _posseg().cut(text or ""):
        is_place = (w.flag == "ns" and w.word not in rules["not_proper"] and len(w.word) >= 2) \
            or rules["places"].fullmatch(w.word) is not None
        if is_place or (current and w.word in rules["place_tails"]):
            current += w.word
            continue
        if current:
            runs.append(current)
            current = ""
    runs += [current] if current else []
    # jieba tags many common words ns (城市, 深度, 美丽): a place starts with a province or a
    # capital, or ends with an administrative word (邢台|高新区, 瓜州县)
    runs = [run for run in runs if not _region_area(run)]          # 东北地区, 粤港澳: no project's place
    # a one-character stem before the administrative word is a place only in the dictionary (滑县; not 大省)
    freq = word_frequencies()
    return [run for run in runs if not rules["provinces"].fullmatch(run) and rules["places"].match(run)
            or (run not in rules["region_not"] and not rules["provinces"].fullmatch(run)
                and any(run.endswith(t) and (len(run) > len(t) + 1 or len(run) > len(t) and freq.get(run, 0) > 0)
                        for t in rules["place_tails"]))]


def name_places(article, claims) -> dict[str, str | None]:
    """For each project name of `article`'s claims that identifies no project alone (identified),
    the place that does: the last one named before the name in the sentence of its first mention,
    else the one place its paragraph names before it; else the place of a local story: the one place its title and first
    body paragraph name (a bulletin names several, none of them the project's); else None, and
    None for a name that holds a province (湖南±800千伏特高压直流输电工程) and for a place's
    network (深圳地铁). Names that identify their project are left out."""
    out: dict[str, str | None] = {}
    paragraphs = [p for p in (article.paragraphs or []) if isinstance(getattr(p, "text", None), str)]
    for c in claims:
        name = c.project
        if not name or name in out:
            continue
        group = (name, *(getattr(c, "project_aliases", None) or ()))
        if all(network(n) for n in group):
            out[name] = None               # 深圳地铁, 太原铁路: a place's network, no project
            continue
        if any(identified(n) for n in group):
            continue
        if any(_rules()["provinces"].search(n) for n in group):
            out[name] = None               # 湖南±800千伏…工程: its own province, too wide; no other place
            continue
        if all(n.endswith(_rules()["firm_ends"]) for n in group):
            out[name] = None               # 轮胎生产企业: a firm, not a project
            continue
        if all(sector_only(n) for n in group):
            out[name] = None               # 制造业项目, 在建|水利项目: a kind of project, not one
            continue
        if all(_rules()["named_type"].search(n) and not generic_name(name_key(n)) for n in group):
            out[name] = None               # 单洞双线隧道, 出湖通道: a railway or a tunnel has a name of its own
                                           # (环城高速公路 of 锦州市 is one: generic words only, keyed by place)
            continue
        place = None
        mention = next(((p.text, i) for n in group for p in paragraphs if (i := p.text.find(n)) >= 0), None)
        if mention:
            text, i = mention
            start = max(text.rfind(x, 0, i) for x in "。！？；!?;")
            before = _places(text[:i])     # the paragraph's only when it names one place (not a bulletin's)
            place = next(reversed(_places(text[start + 1:i])), None) or (before[0] if len(set(before)) == 1 else None)
        out[name] = place or _story_place(article, paragraphs)
    return out


def sector_only(name: str) -> bool:
    """The name says only what kind of project it is (制造业项目, 精细化工项目, 水利项目): its key
    holds nothing but sector words (data: sector_words) and at most one other character."""
    return len(_rules()["sector"].sub("", name_key(name))) < 2


def network(name: str) -> bool:
    """A place and a network type only (深圳地铁, 太原铁路, 广州轨道交通): the place's network; so is
    a country or a region with a network type or a bare 项目/工程 (意大利铁路, 京津冀铁路,
    伊朗标志性工程): a place word jieba's dictionary holds often (data: network_place_frequency; not
    匈塞, 蒙内, abbreviations jieba guesses, nor 贵南, 福厦, rare places that are also abbreviations) or
    a region word (data: region_heads) followed by network words only."""
    rules = _rules()
    places = _places(name)
    if places and name.startswith(places[0]) and name[len(places[0]):] in rules["network_types"]:
        return True
    words = [(w.word, w.flag) for w in _posseg().cut(name)]
    k = 0
    freq = word_frequencies()
    while k < len(words) and (words[k][1] == "ns" and freq.get(words[k][0], 0) >= rules["network_place"]
                              or words[k][0] in _region_heads()
                              or rules["region_word"].fullmatch(words[k][0])):
        k += 1
    rest = words[k:]
    return 0 < k and bool(rest) and all(w in rules["network_tails"] for w, _ in rest)


def _region_area(run: str) -> bool:
    rules = _rules()
    region = rules["region_word"].fullmatch(run)
    return run in _region_heads() or bool(region and (not region.group(1) or region.group(1) in rules["not_proper"]
                                                     or region.group(1) in _region_heads()))


@functools.cache
def _region_heads() -> frozenset:
    return frozenset(load_json("work_types.json")["region_heads"])


def _story_place(article, paragraphs) -> str | None:
    lead = [article.title or ""] + [p.text for p in paragraphs if getattr(p, "kind", "body") == "body"][:1]
    found = {place for text in lead for place in _places(text)}
    return found.pop() if len(found) == 1 else None


def generic_name(key: str) -> bool:
    rx = _rules()["generic"]
    return rx is not None and not rx.sub("", key)


def abbreviates(short: str, long: str) -> bool:
    """`short` keeps `long`'s first two characters and the rest of its characters in order."""
    if len(short) >= len(long) or len(short) < 3 or short[:2] != long[:2]:
        return False
    rest = iter(long[2:])
    return all(char in rest for char in short[2:])


def same_project(a: str, b: str, same_article: bool) -> bool:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    if not same_article:
        return False
    short, long = sorted((ka, kb), key=len)
    if len(short) < _rules()["min_key"] or (long.endswith("段") and not short.endswith("段")):
        return False                # 雄忻高铁 vs 雄忻高铁雄安地下段: a section is its own project
    return short in long or abbreviates(short, long)


def cluster(names: list[str]) -> list[list[str]]:
    """Group the project names of one article into projects (single-link)."""
    groups: list[list[str]] = []
    for name in sorted(set(names), key=len, reverse=True):
        home = [g for g in groups if any(same_project(name, other, same_article=True) for other in g)]
        if not home:
            groups.append([name])
            continue
        merged = [name] + [n for g in home for n in g]
        groups = [g for g in groups if g not in home] + [merged]
    return groups


@dataclass(frozen=True)
class Match:
    project_id: int
    how: str          # "exact" | "alias" | "contains" | "fuzzy"
    score: float


def resolve(query: str, aliases: dict[int, list[str]]) -> list[Match]:
    """Projects a user's name designates: exact name/alias, else containment, else fuzzy."""
    query = "".join(query.split())
    qkey = name_key(query) or query
    exact, contains, fuzzy = [], [], []
    for project_id, names in aliases.items():
        keys = {name_key(n) for n in names}
        if query in names:
            exact.append(Match(project_id, "exact", 100.0))
        elif qkey in keys:
            exact.append(Match(project_id, "alias", 100.0))
        elif any(query in n for n in names) or any(len(k) >= _rules()["min_key"] and k in query for k in keys):
            contains.append(Match(project_id, "contains", 90.0))
        else:
            # a typo may sit anywhere, but the leading proper noun (金山…) must be there
            best = max((fuzz.partial_ratio(qkey, k) for k in keys if k and qkey[:2] in k), default=0.0)
            if len(qkey) >= 3 and best >= _rules()["fuzzy"]:
                fuzzy.append(Match(project_id, "fuzzy", best))
    for found in (exact, contains):
        if found:
            return found
    return sorted(fuzzy, key=lambda m: -m.score)


def suggestions(query: str, names: list[str], limit: int = 5) -> list[str]:
    """Did-you-mean: the closest known names."""
    found = process.extract("".join(query.split()), names, scorer=fuzz.WRatio, limit=limit,
                            score_cutoff=_rules()["suggest"])
    return [name for name, _, _ in found]
