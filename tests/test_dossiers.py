"""Reprint groups, canonical metrics, agreement and conflict groups, dossiers, claims without a project.

Small articles written for these tests (not corpus text): a wire story and its reprint, an
interview giving another figure for the same year, two reports of one harvest in different
magnitude words, a flash estimate and its revision, a cumulative count on two dates, two
reports of a project's capacity.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner

from helpers import AUTH, ContractClient, make_app
from index.claims import metrics
from index.cli.commands import main
from index.library import Library

D = dt.date
WIRE_BODY = ("记者28日从住房城乡建设部了解到，2025年，全国新开工改造城镇老旧小区2.71万个、499万户，共完成投资1332亿元。\n"
             "据了解，2025年我国城市更新工作取得明显成效，各地累计加装电梯1.2万部，增设停车位60万个，城市人居环境持续改善。\n"
             "住房城乡建设部有关负责人表示，下一步将持续推进城市更新行动，加快补齐城市基础设施短板，让群众住得更安心更舒心。")
ARTICLES = {
    "wire-xinhua": dict(text="新华社北京1月28日电（记者王优玲）" + WIRE_BODY, title="2025年全国新开工改造城镇老旧小区2.71万个",
                        source="新华社", published=D(2026, 1, 28)),
    "wire-people": dict(text="本报北京1月28日电 " + WIRE_BODY + "\n（来源：人民日报）", title="城市更新工作取得明显成效",
                        source="人民日报", published=D(2026, 1, 29)),
    "interview-cctv": dict(text="住房城乡建设部部长接受总台记者专访。\n部长介绍，2025年全国城市更新工作取得明显成效，"
                                "开工改造城镇老旧小区2.6万个，改善了居住条件，建设改造地下管网15.6万公里，增强了城市韧性。",
                           title="专访住房城乡建设部部长", source="央视新闻", published=D(2026, 1, 24)),
    "grain-a": dict(text="国家统计局发布数据。2025年，全国粮食产量达到1.43万亿斤，再创历史新高，粮食生产实现历史性的丰收。",
                    title="粮食再获丰收", source="央视网·新闻联播", published=D(2026, 1, 19)),
    "grain-b": dict(text="国家统计局12日发布公告，2025年全国粮食产量达14298亿斤，比上年增加111亿斤，增长0.8%。各地夏粮秋粮均获丰收。",
                    title="全国粮食产量公告", source="人民日报", published=D(2026, 1, 12)),
    "flash": dict(text="欧洲央行15日宣布加息50个基点。根据欧盟统计局的初步统计数据，欧元区11月通胀率为10%。",
                  title="欧洲央行再次加息", source="央视网·新闻联播", published=D(2022, 12, 16)),
    "revised": dict(text="欧盟统计局16日发布修正后的数据显示，受能源和食品价格上涨影响，欧元区11月通胀率为10.1%。",
                    title="欧元区通胀仍处高位", source="央视网·新闻联播", published=D(2022, 12, 17)),
    "trains-1": dict(text="记者从国铁集团获悉，截至今天，中欧班列累计开行突破11万列，发送货物超过520万标箱，通达欧洲26个国家。",
                     title="中欧班列累计开行突破11万列", source="央视网·新闻联播", published=D(2025, 6, 10)),
    "trains-2": dict(text="记者从国铁集团获悉，截至今天，中欧班列累计开行突破12万列，发送货物超过570万标箱，通达欧洲26个国家。",
                     title="中欧班列累计开行突破12万列", source="央视网·新闻联播", published=D(2025, 11, 28)),
    "dam-a": dict(text="白鹤滩水电站是实施“西电东送”的国家重大工程。\n白鹤滩水电站总装机容量1600万千瓦，是世界在建规模最大的水电工程，"
                       "全面投产后每年可输送清洁电能超过620亿千瓦时。",
                  title="白鹤滩水电站全部机组投产", source="新华社", published=D(2022, 12, 20)),
    "dam-b": dict(text="记者从中国三峡集团获悉，白鹤滩水电站最后一台机组投产发电。\n白鹤滩水电站装机容量约1600万千瓦，"
                       "16台百万千瓦水轮发电机组全部投产发电。",
                  title="白鹤滩水电站全面投产", source="央视网·新闻联播", published=D(2022, 12, 20)),
}


def ingest(library: Library, ids, articles: dict = ARTICLES) -> None:
    for article_id in ids:
        meta = articles[article_id]
        library.add_article(meta["text"], id=article_id, **{k: v for k, v in meta.items() if k != "text"})


def claim(library: Library, article_id: str, raw: str) -> dict:
    return next(c for c in library.claims_of_article(article_id) if c["raw"] == raw)


def snapshot(library: Library) -> dict:
    """Every article's reprint group and every claim's (metric key, agreement)."""
    out = {}
    for article_id in sorted(ARTICLES):
        article = library.article(article_id)
        if article is None:
            continue
        out[article_id] = (article["reprint_group"], tuple(article["reprint_members"]),
                           tuple((c["id"], c["metric_key"], json.dumps(c["agreement"], sort_keys=True))
                                 for c in library.claims_of_article(article_id)))
    return out


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    lib = Library(tmp_path_factory.mktemp("dossiers") / "data")
    ingest(lib, ARTICLES)
    return lib


# -- canonical metrics ---------------------------------------------------------------------

@pytest.mark.parametrize("text, number, dimension, key, scope", [
    ("制造业采购经理指数（PMI）为49.3%", "49.3%", "percent", "pmi", "制造业"),
    ("2026年1月份中国制造业采购经理人指数录得49.3%", "49.3%", "percent", "pmi", "制造业"),
    ("截至2025年底，我国5G基站数达483.8万个", "483.8万个", "count", "base_stations_5g", ""),
    ("粤港澳大湾区内地九市进出口总值9.15万亿元", "9.15万亿元", "money", "trade_value", "粤港澳大湾区内地九市"),
    ("制造业企业采购数字技术金额同比增长10.4%", "10.4%", "percent", "growth", "制造业企业采购数字技术金额"),
    ("渝昆高铁全长699公里", "699公里", "other", "line_length", "渝昆高铁"),
    ("已在全国造成14人死亡", "14人", "count", None, None),
])
def test_metric_key_and_scope_read_from_the_clause(text, number, dimension, key, scope):
    reading = metrics.read(text, text.rfind(number), dimension)
    assert (reading.metric.key if reading else None) == key
    assert (reading.scope if reading else None) == scope


def test_metric_of_the_wrong_dimension_is_not_keyed():
    assert metrics.read("全国粮食产量达14298亿斤", 7, "percent") is None


@pytest.mark.parametrize("text, cut, whole", [
    ("去年制造业采购经理指数（PMI）为49.3%", "业采购经理指数（PMI）", "制造业采购经理指数（PMI）"),
    ("2024年可再生能源发电量达3.46万亿千瓦时", "024年可再生能源发电量", "可再生能源发电量"),
    ("加快推进总投资4亿元的中融锌焙砂项目以及总投资5亿元", "中融锌焙砂项目以及总投资", "中融锌焙砂项目以及总投资"),
])
def test_metrics_cut_mid_word_are_completed(text, cut, whole):
    start = text.rfind(cut) + len(cut) + (1 if text[text.rfind(cut) + len(cut)] in "达为" else 0)
    assert metrics.repaired_metric(text, start, cut) == whole


def comparisons(text: str, published=D(2026, 2, 24)) -> dict[str, str | None]:
    library = Library.__new__(Library)          # prepare() needs no data folder
    _, claims, _ = Library.prepare(library, text, id="t", published=published)
    return {c.quantity.raw: c.comparison for c in claims}


def test_holidays_days_places_and_bases_tell_quantities_apart():
    new_year = comparisons("今年元旦假期，全社会跨区域人员流动量近6亿人次。")["近6亿人次"]
    spring = comparisons("今年春节假期，全社会跨区域人员流动量累计超28亿人次，同比增长8.2%。")["超28亿人次"]
    assert new_year and spring and new_year != spring                   # same year, other holiday
    assert comparisons("正月初六，全社会跨区域人员流动量首次达到3.8亿人次。")["3.8亿人次"] is None    # one day
    inner_mongolia = comparisons("2024年，内蒙古工业增加值跨过万亿元大关，粮食产量超820亿斤。")["超820亿斤"]
    assert inner_mongolia.endswith("|s:内蒙古/")                               # not the national figure
    assert comparisons("今年前两个月，我国货物进出口总额突破6万亿元。", D(2023, 3, 25))["突破6万亿元"] is None
    assert comparisons("工业企业采购机械设备类金额同比分别增长9.8%和7.3%。")["9.8%"] is None
    assert comparisons("2025年，规模以上工业增加值、服务业增加值同比增长6.5%、5.3%。")["6.5%"] is None   # no 分别
    assert comparisons("新华社北京2月24日电 2025年，全国粮食产量达14298亿斤。")["14298亿斤"]   # a dateline is no place
    yoy = comparisons("2025年，社会消费品零售总额同比增长3.7%。")["3.7%"]
    mom = comparisons("2025年，社会消费品零售总额环比增长3.7%。")["3.7%"]
    assert yoy and mom and yoy != mom
    assert comparisons("2025年全年比上年增长3.7%。")["3.7%"] is None   # a change of nothing named


def test_every_taxonomy_entry_is_well_formed():
    keys = set()
    for m in metrics.metrics():
        assert m.key not in keys and m.label and m.dimensions and m.temporal in ("static", "attribute", "stock", "flow")
        keys.add(m.key)


# -- reprints --------------------------------------------------------------------------------

def test_a_wire_and_its_reprint_share_a_group_other_reports_do_not(library):
    xinhua, people = library.article("wire-xinhua"), library.article("wire-people")
    assert xinhua["reprint_group"] is not None and xinhua["reprint_group"] == people["reprint_group"]
    assert xinhua["reprint_members"] == ["wire-people", "wire-xinhua"]
    assert library.article("interview-cctv")["reprint_group"] is None          # same topic, own reporting
    assert library.article("trains-2")["reprint_group"] is None                # same template, other date and figures
    assert library.article("interview-cctv")["reprint_members"] == []


def test_groups_follow_deletion_and_replacement(tmp_path):
    lib = Library(tmp_path / "data")
    ingest(lib, ["wire-xinhua", "wire-people", "interview-cctv"])
    assert lib.article("wire-people")["reprint_group"] is not None
    lib.delete_article("wire-xinhua")
    assert lib.article("wire-people")["reprint_group"] is None
    # the interview's figure no longer conflicts with a story that is gone
    assert claim(lib, "interview-cctv", "2.6万个")["agreement"]["status"] == "conflict"   # still the reprint's 2.71万
    lib.delete_article("wire-people")
    assert claim(lib, "interview-cctv", "2.6万个")["agreement"]["status"] == "single"
    left = {r[0] for r in lib.store.db.execute("SELECT DISTINCT article_id FROM story_sentences")}
    assert left == {"interview-cctv"}                  # a deleted article's sentences go with it
    ingest(lib, ["wire-xinhua", "wire-people"])
    assert lib.article("wire-xinhua")["reprint_group"] == lib.article("wire-people")["reprint_group"] is not None
    lib.add_article(ARTICLES["interview-cctv"]["text"], id="wire-people", source="人民日报", published=D(2026, 1, 29))
    assert lib.article("wire-xinhua")["reprint_group"] is None           # replaced by other text
    assert lib.article("wire-people")["reprint_group"] == lib.article("interview-cctv")["reprint_group"] is not None


def test_groups_do_not_depend_on_ingest_order(library, tmp_path):
    reverse = Library(tmp_path / "data")
    ingest(reverse, reversed(list(ARTICLES)))
    assert snapshot(reverse) == snapshot(library)


# -- agreement -------------------------------------------------------------------------------

def test_equal_figures_in_other_magnitude_words_agree(library):
    a, b = claim(library, "grain-a", "1.43万亿斤"), claim(library, "grain-b", "14298亿斤")
    assert a["metric_key"] == "grain_output"
    assert a["agreement"] == b["agreement"] == {"group": a["agreement"]["group"], "status": "agree", "sources": 2}


def test_conflicting_figures_form_one_group_and_reprints_count_once(library):
    interview = claim(library, "interview-cctv", "2.6万个")["agreement"]
    wire = claim(library, "wire-xinhua", "2.71万个")["agreement"]
    reprint = claim(library, "wire-people", "2.71万个")["agreement"]
    assert interview == wire == reprint
    assert interview["status"] == "conflict" and interview["sources"] == 2     # the wire and its reprint: one story


def test_an_estimate_and_its_revision_are_never_a_conflict(library):
    flash, revised = claim(library, "flash", "10%")["agreement"], claim(library, "revised", "10.1%")["agreement"]
    assert flash["status"] != "conflict" and revised["status"] != "conflict"
    assert flash["group"] != revised["group"]


def test_a_cumulative_count_on_another_day_is_another_group(library):
    first, second = claim(library, "trains-1", "突破11万列"), claim(library, "trains-2", "突破12万列")
    assert first["agreement"]["group"] != second["agreement"]["group"]
    assert first["agreement"]["status"] == second["agreement"]["status"] == "single"


def test_a_claim_without_anything_to_compare_has_no_group(library):
    assert claim(library, "grain-b", "111亿斤")["agreement"] is None


# -- API ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api(tmp_path_factory, contract, spec_paths):
    app = make_app(tmp_path_factory.mktemp("dossiers-api") / "data")
    client = ContractClient(app.test_client(), contract, spec_paths)
    for article_id, meta in ARTICLES.items():
        body = {"id": article_id, "text": meta["text"], "title": meta["title"], "source": meta["source"],
                "published": meta["published"].isoformat()}
        assert client.post("/articles", json=body, headers=AUTH).status_code == 201
    return client


def test_article_carries_its_reprint_group(api):
    body = api.get("/articles/wire-xinhua").get_json()
    assert body["reprint_group"] and body["reprint_members"] == ["wire-people", "wire-xinhua"]
    assert api.get("/articles/grain-a").get_json()["reprint_group"] is None


def test_group_lists_its_claims_with_outlets_and_dates(api):
    claims = api.get("/articles/grain-a/claims").get_json()["items"]
    group_id = next(c["agreement"]["group"] for c in claims if c["metric_key"] == "grain_output")
    group = api.get(f"/groups/{group_id}").get_json()
    assert group["status"] == "agree" and group["metric_key"] == "grain_output" and group["scope"] == ""
    assert group["outlets"] == ["人民日报", "央视网·新闻联播"]
    assert (group["first_reported"], group["last_reported"]) == ("2026-01-12", "2026-01-19")
    assert group["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert {c["raw"] for c in group["claims"]} == {"1.43万亿斤", "14298亿斤"}
    assert api.get("/groups/g0000000000000000").status_code == 404
    assert api.get("/groups/not-a-group").status_code == 400
    assert api.get(f"/groups/{group_id}?x=1").status_code == 400


def test_conflicts_lists_conflicting_groups_with_filters_and_exports(api):
    body = api.get("/conflicts").get_json()
    assert body["total"] == 1
    group = body["items"][0]
    assert group["metric_key"] == "old_residential_renovation" and group["status"] == "conflict"
    assert {c["raw"] for c in group["claims"]} == {"2.6万个", "2.71万个"}
    assert api.get("/conflicts?source=央视新闻").get_json()["total"] == 1
    assert api.get("/conflicts?source=光明日报").get_json()["total"] == 0
    assert api.get("/conflicts?metric_key=grain_output").get_json()["total"] == 0
    assert api.get("/conflicts?period_from=2026-01-01").get_json()["total"] == 0
    assert api.get("/conflicts?period_to=2025-12-31&page=2").get_json()["items"] == []
    assert api.get("/conflicts?project=白鹤滩").get_json()["total"] == 0
    download = api.get("/conflicts?format=csv")
    assert download.mimetype == "text/csv" and "conflicts.csv" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert sorted(r["raw"] for r in rows) == ["2.6万个"] + ["2.71万个"] * 3       # the wire's title repeats it
    assert api.get("/conflicts?page=0").status_code == 400
    assert api.get("/conflicts?period_from=yesterday").status_code == 400


def test_claims_without_project_query_the_whole_table(api):
    body = api.get("/claims?metric_key=grain_output").get_json()
    assert body["total"] == 2 and {c["article_id"] for c in body["items"]} == {"grain-a", "grain-b"}
    assert api.get("/claims?has_conflict=true").get_json()["total"] == 4
    assert api.get("/claims?source=人民日报&metric_key=grain_output").get_json()["total"] == 1
    values = [c["value"] for c in api.get("/claims?dimension=percent&sort=-value").get_json()["items"]]
    assert values == sorted(values, key=float, reverse=True) and values
    big = api.get("/claims?min_value=1000000000000&dimension=mass").get_json()["items"]
    assert {c["raw"] for c in big} == {"1.43万亿斤", "14298亿斤"}
    assert api.get("/claims?period_from=2025-06-01&period_to=2025-06-30&metric_key=grain_output").get_json()["total"] == 2
    paged = api.get("/claims?per_page=2&page=2").get_json()
    assert len(paged["items"]) == 2 and paged["total"] > 4
    download = api.get("/claims?format=jsonl&metric_key=inflation")
    assert "claims-all.jsonl" in download.headers["Content-Disposition"]
    assert [json.loads(line)["raw"] for line in download.get_data(as_text=True).splitlines()] == ["10%", "10.1%"]
    assert api.get("/claims?has_conflict=maybe").status_code == 400


def test_claims_of_a_project_filter_by_metric_key(api):
    body = api.get("/claims?project=白鹤滩水电站&metric_key=installed_capacity").get_json()
    assert {c["raw"] for c in body["items"]} == {"1600万千瓦", "约1600万千瓦"}
    assert api.get("/claims?project=白鹤滩水电站&source=新华社&metric_key=installed_capacity").get_json()["total"] == 1


def test_project_dossier_is_a_timeline_per_metric(api):
    project = api.get("/projects").get_json()["items"][0]
    body = api.get(f"/projects/{project['id']}").get_json()
    capacity = next(m for m in body["dossier"] if m["metric_key"] == "installed_capacity")
    assert capacity["label"] == "装机容量"
    [entry] = capacity["timeline"]
    assert entry["status"] == "agree" and entry["sources"] == 2 and entry["period"] is None
    assert set(entry["values"]) == {"1600万千瓦", "约1600万千瓦"}
    assert entry["outlets"] == ["央视网·新闻联播", "新华社"]


def test_search_can_collapse_reprints(api):
    plain = api.get("/search?q=城镇老旧小区&per_page=20").get_json()
    collapsed = api.get("/search?q=城镇老旧小区&per_page=20&collapse=reprints").get_json()
    articles = [hit["article"]["id"] for hit in collapsed["items"]]
    assert len(articles) == len(set(articles))
    assert not {"wire-xinhua", "wire-people"} <= set(articles)            # one hit for the story
    story = next(hit for hit in collapsed["items"] if hit["article"]["id"] in ("wire-xinhua", "wire-people"))
    assert [r["id"] for r in story["reprints"]] == list({"wire-xinhua", "wire-people"} - {story["article"]["id"]})
    assert len(collapsed["items"]) < len(plain["items"])
    assert api.get("/search?q=城镇老旧小区&collapse=outlets").status_code == 400


# -- CLI ---------------------------------------------------------------------------------------

def test_cli_dossier_and_conflicts(library):
    runner = CliRunner()
    data = ["--data-dir", str(library.data_dir)]
    result = runner.invoke(main, ["dossier", "白鹤滩", *data], catch_exceptions=False)
    assert result.exit_code == 0 and "装机容量" in result.output and "agree" in result.output
    assert runner.invoke(main, ["dossier", "不存在的工程", *data]).exit_code == 1
    result = runner.invoke(main, ["conflicts", "--json", *data], catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.output)["items"][0]["status"] == "conflict"
    result = runner.invoke(main, ["conflicts", *data], catch_exceptions=False)
    assert "城镇老旧小区改造" in result.output
    assert runner.invoke(main, ["conflicts", "--metric-key", "pmi", *data]).exit_code == 1


@pytest.mark.sqlite_only
def test_layers_are_rebuilt_from_the_database(library, tmp_path):
    """An older data folder (no layers) and `newsclaims regroup` give what ingest gave."""
    import shutil
    import sqlite3

    copy = tmp_path / "copy"
    shutil.copytree(library.data_dir, copy)
    with sqlite3.connect(copy / "newsclaims.sqlite3") as db:
        for table in ("claim_agreement", "reprint_groups", "reprint_links", "story_sentences"):
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM meta WHERE key = 'layers'")
    assert snapshot(Library(copy)) == snapshot(library)
    result = CliRunner().invoke(main, ["regroup", "--data-dir", str(copy)], catch_exceptions=False)
    assert result.exit_code == 0 and "regrouped 11 articles" in result.output
    assert snapshot(Library(copy)) == snapshot(library)


def test_values_far_apart_are_two_quantities_not_a_conflict():
    from decimal import Decimal as Dec

    from index.store import agreement

    def member(claim_id, story, value):
        return agreement._Member(claim_id, story, Dec(value), Dec(value), False)

    key = "trade_value|2024-01-01/2024-12-31|reported|元|s:"
    near = list(agreement._groups(key, [member("a-c0", "a", "26000"), member("b-c0", "b", "27100")]))
    assert [status for _, status, _ in near] == ["conflict"]
    far = list(agreement._groups(key, [member("a-c0", "a", "43850000000000"), member("b-c0", "b", "3160000000000")]))
    assert sorted(status for _, status, _ in far) == ["single", "single"] and far[0][0] != far[1][0]
    estimate = list(agreement._groups(key.replace("reported", "estimate"),
                                      [member("a-c0", "a", "26000"), member("b-c0", "b", "27100")]))
    assert "conflict" not in [status for _, status, _ in estimate]


# -- agreement across wordings -----------------------------------------------------------------

WORDINGS = {
    # a line under its full name when work starts, under a shorter one when a section is done
    "line-start": dict(text="今天，青海海南送江西±800千伏特高压直流输电工程开工建设。线路全长1580公里，预计2027年建成。"
                            "届时，每年可向华东地区输送清洁电能约300亿千瓦时。",
                       title="青海特高压工程开工", source="甲台", published=D(2025, 3, 2)),
    "line-section": dict(text="能源项目稳步推进。海南至江西±800千伏特高压直流输电线路成功跨越长江，全长近1600公里。"
                              "投运后每年可输送电量约300亿度。",
                         title="各地重点工程加快推进", source="乙报", published=D(2026, 6, 9)),
    # an industry under its statistical name and under a short one; a third figure of other size
    "culture-long": dict(text="国家统计局今天发布，2025年，全国规模以上体育及相关产业企业实现营业收入8123亿元。"
                              "规模以上体育及相关产业企业营业收入同比增长5.1%。",
                         title="体育产业稳步发展", source="甲台", published=D(2026, 2, 1)),
    "culture-short": dict(text="2025年，体育企业实现营业收入8123亿元，发展态势良好。体育企业营业收入同比增长5.1%。",
                          title="体育企业营收增长", source="乙报", published=D(2026, 2, 2)),
    "culture-other": dict(text="2025年，体育企业实现营业收入5000亿元，市场主体活力增强。",
                          title="体育消费持续升温", source="丙网", published=D(2026, 2, 3)),
    # a holiday's figure: the days in the body and the holiday in the headline, or the holiday alone
    "holiday-days": dict(text="本报北京1月3日电 记者从交通运输部获悉，2026年1月1日至1月3日，全社会跨区域人员流动量预计6.1亿人次。",
                         title="元旦假期全社会跨区域人员流动量预计达6.1亿人次", source="乙报", published=D(2026, 1, 4)),
    "holiday-named": dict(text="记者从交通运输部获悉，元旦假期期间，预计全社会跨区域人员流动量累计6.1亿人次，日均2亿人次。",
                          title="元旦假期出行火热", source="甲台", published=D(2026, 1, 3)),
}


@pytest.fixture(scope="module")
def wordings(tmp_path_factory):
    lib = Library(tmp_path_factory.mktemp("wordings") / "data")
    ingest(lib, WORDINGS, WORDINGS)
    return lib


def test_a_line_under_two_names_agrees(wordings):
    start, section = claim(wordings, "line-start", "1580公里"), claim(wordings, "line-section", "近1600公里")
    assert start["metric_key"] == section["metric_key"] == "line_length"
    assert start["agreement"] == section["agreement"] and start["agreement"]["status"] == "agree"
    yearly = [claim(wordings, "line-start", "约300亿千瓦时"), claim(wordings, "line-section", "约300亿度")]
    assert {c["metric_key"] for c in yearly} == {"power_transmission"}
    assert yearly[0]["agreement"] == yearly[1]["agreement"] and yearly[0]["agreement"]["status"] == "agree"


def test_a_shortened_scope_agrees_but_never_conflicts(wordings):
    long, short = claim(wordings, "culture-long", "8123亿元"), claim(wordings, "culture-short", "8123亿元")
    other = claim(wordings, "culture-other", "5000亿元")   # other firms counted: far from 8123亿
    assert long["agreement"] == short["agreement"] and long["agreement"]["status"] == "agree"
    assert other["agreement"]["group"] != long["agreement"]["group"]
    assert "conflict" not in {c["agreement"]["status"] for c in (long, short, other)}
    # rates coincide across scopes too often to be linked by their words
    growth = [claim(wordings, a, "5.1%")["agreement"] for a in ("culture-long", "culture-short")]
    assert growth[0]["group"] != growth[1]["group"]


def test_a_holidays_figure_is_one_quantity_however_its_days_are_given(wordings):
    days, named = claim(wordings, "holiday-days", "6.1亿人次"), claim(wordings, "holiday-named", "6.1亿人次")
    assert days["agreement"] == named["agreement"] and days["agreement"]["status"] == "agree"
    group = wordings.group(days["agreement"]["group"])
    assert group["season"] == "元旦" and group["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert group["estimate"] is True


def test_linked_groups_do_not_depend_on_ingest_order(wordings, tmp_path):
    reverse = Library(tmp_path / "data")
    for article_id in reversed(list(WORDINGS)):
        meta = WORDINGS[article_id]
        reverse.add_article(meta["text"], id=article_id, **{k: v for k, v in meta.items() if k != "text"})
    def groups(lib):
        return {c["id"]: c["agreement"] for a in WORDINGS for c in lib.claims_of_article(a)}
    assert groups(reverse) == groups(wordings)


def test_intervals_of_bounds_and_more_than():
    from decimal import Decimal as Dec

    from index.models import Claim
    from index.claims.quantities import find_quantities
    from index.store import agreement

    def span(text):
        [q] = find_quantities(text)
        return agreement.interval(Claim(quantity=q, paragraph=0, sentence=text))

    assert span("全长600多公里") == (Dec(600), Dec(700))          # 600多: anywhere short of 700
    assert span("全长665公里")[0] < Dec(700)
    assert span("超670亿立方米") == (Dec("6.7e10"), Dec("6.8e10"))
    low, high = span("约700公里")
    assert low <= 699 <= high


def test_a_static_figure_and_a_projection_never_conflict():
    from decimal import Decimal as Dec

    from index.store import agreement

    key = "power_transmission|static|-|千瓦时|n:某某送某某"
    reported = agreement._Member("a-c0", "a", Dec("3.6e10"), Dec("3.7e10"), False)
    planned = agreement._Member("b-c0", "b", Dec("4e10"), Dec("4e10"), False, estimate=True)
    assert "conflict" not in [status for _, status, _ in agreement._groups(key, [reported, planned])]
    both_reported = [reported, agreement._Member("b-c0", "b", Dec("4e10"), Dec("4e10"), False)]
    assert [status for _, status, _ in agreement._groups(key, both_reported)] == ["conflict"]


def test_a_headline_figure_takes_the_period_of_the_body_figure_it_restates():
    library = Library.__new__(Library)
    _, claims, _ = Library.prepare(library, "国家统计局数据显示，2025年，全国规模以上体育及相关产业企业实现营业收入81234亿元。",
                                   id="t", title="体育企业营收超8万亿元", published=D(2026, 1, 30))
    headline, body = (next(c for c in claims if c.quantity.raw == raw) for raw in ("超8万亿元", "81234亿元"))
    assert headline.period is None                                   # the claim keeps what the text says
    assert headline.comparison.split("|")[1] == body.comparison.split("|")[1] == "2025-01-01/2025-12-31"
    _, alone, _ = Library.prepare(library, "国家统计局数据显示，全国规模以上体育及相关产业企业实现营业收入81234亿元。",
                                  id="t", title="体育企业营收超9万亿元", published=D(2026, 1, 30))
    assert next(c for c in alone if c.quantity.raw == "超9万亿元").comparison.split("|")[1] == "2026-01-30/2026-01-30"
