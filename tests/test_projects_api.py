"""GET /claims?project=, /projects and /projects/{id}: one project whichever name an article used."""
from __future__ import annotations

from helpers import AUTH

FIRST = ("东港市重点项目建设提速\n时间:2024-04-02 文章来源:东港日报\n"
         "4月1日,华信国际大连物流园项目开工,项目总投资36亿元,建设工期24个月。\n"
         "华信集团大连物流园项目建成后,预计年营业收入约50亿元,可提供就业岗位1200个。\n")
SECOND = ("大连港口物流再添新动能\n时间:2024-06-10 文章来源:大连晚报\n"
          "华信集团大连物流园项目一期已完成投资超过12亿元。\n"
          "同时,投资8亿元的金石冷链仓储中心项目6月开工。\n")


def post(client, article_id, text):
    response = client.post("/articles", json={"id": article_id, "text": text}, headers=AUTH)
    assert response.status_code in (200, 201), response.get_json()


def test_one_project_across_aliases_and_articles(fresh_client):
    post(fresh_client, "p-1", FIRST)
    post(fresh_client, "p-2", SECOND)
    body = fresh_client.get("/claims", query_string={"project": "华信大连物流园", "per_page": 100}).get_json()
    assert len(body["projects"]) == 1
    raws = {(c["article_id"], c["raw"]) for c in body["items"]}
    assert {("p-1", "36亿元"), ("p-1", "约50亿元"), ("p-2", "超过12亿元")} <= raws
    assert ("p-2", "8亿元") not in raws                   # another project of the same article
    assert all(c["source"]["title"] for c in body["items"])


def test_filters_are_interval_aware(fresh_client):
    post(fresh_client, "p-1", FIRST)
    post(fresh_client, "p-2", SECOND)

    def raws(**params):
        items = fresh_client.get("/claims", query_string={"project": "华信", "per_page": 100, **params}).get_json()["items"]
        return {c["raw"] for c in items}
    assert raws(min_value=1000000000, dimension="money") == {"36亿元", "约50亿元", "超过12亿元"}
    assert "超过12亿元" in raws(min_value=2000000000)            # at least 12亿 can reach 20亿
    assert "36亿元" not in raws(max_value=2000000000)
    assert raws(modality="forecast") >= {"约50亿元"}
    assert raws(sort="-value", dimension="money") == raws(dimension="money")


def test_unknown_name_gives_suggestions_not_404(fresh_client):
    post(fresh_client, "p-1", FIRST)
    body = fresh_client.get("/claims", query_string={"project": "华信大连物流"}).get_json()
    assert body["items"]                                        # containment still finds it
    body = fresh_client.get("/claims", query_string={"project": "完全不存在的名字"}).get_json()
    assert body["total"] == 0 and body["items"] == [] and "suggestions" in body


def test_projects_list_and_detail(fresh_client):
    post(fresh_client, "p-1", FIRST)
    post(fresh_client, "p-2", SECOND)
    listed = fresh_client.get("/projects", query_string={"q": "物流园"}).get_json()["items"]
    assert len(listed) == 1 and listed[0]["claims"] >= 3
    project = fresh_client.get(f"/projects/{listed[0]['id']}").get_json()
    assert set(project["articles"]) == {"p-1", "p-2"}
    assert sum(len(group["claims"]) for group in project["metrics"]) == listed[0]["claims"]
    assert fresh_client.get("/projects/999999").status_code == 404


def test_registry_follows_replace_and_delete(fresh_client):
    post(fresh_client, "p-2", SECOND)
    assert fresh_client.get("/claims", query_string={"project": "金石冷链仓储中心"}).get_json()["items"]
    post(fresh_client, "p-2", SECOND.replace("金石冷链仓储中心", "银河冷链仓储中心"))
    assert not fresh_client.get("/claims", query_string={"project": "金石冷链仓储中心"}).get_json()["items"]
    assert fresh_client.delete("/articles/p-2", headers=AUTH).status_code == 204
    assert fresh_client.get("/projects").get_json()["items"] == []


def test_claims_parameters_are_checked(fresh_client):
    # no project at all is the whole claim table (GET /claims without project), not an error
    for params in ({"project": ""}, {"project": "x", "min_value": "lots"}, {"project": "x", "sort": "size"},
                   {"project": "x", "modality": "maybe"}, {"project": "x", "colour": "red"}):
        assert fresh_client.get("/claims", query_string=params).status_code == 400


def test_same_generic_name_in_two_places_is_two_projects(fresh_client):
    post(fresh_client, "g-1", "锦州市交通建设提速\n时间:2024-05-02\n环城高速公路项目总投资45亿元，建设工期24个月。\n")
    post(fresh_client, "g-2", "盘锦市交通建设提速\n时间:2024-05-03\n环城高速公路项目总投资30亿元，建设工期18个月。\n")
    post(fresh_client, "g-3", "乐西高速公路通车\n时间:2024-05-04\n乐西高速公路马边至昭觉段全长98公里，总投资118亿元。\n")
    post(fresh_client, "g-4", "四川交通\n时间:2024-06-04\n乐西高速公路马边至昭觉段桥隧比高达81.78%。\n")
    body = fresh_client.get("/claims", query_string={"project": "环城高速公路", "per_page": 100}).get_json()
    assert len(body["projects"]) == 2                     # 锦州市's and 盘锦市's, not one
    assert {c["raw"] for c in body["items"]} >= {"45亿元", "30亿元"}
    body = fresh_client.get("/claims", query_string={"project": "乐西高速", "per_page": 100}).get_json()
    assert len(body["projects"]) == 1                     # a proper name joins across articles
    assert {(c["article_id"], c["raw"]) for c in body["items"]} >= {("g-3", "118亿元"), ("g-4", "81.78%")}


def test_a_nameless_project_is_registered_with_its_place_or_not_at_all(fresh_client):
    post(fresh_client, "n-1", "新能源建设提速\n时间:2024-05-02\n在甘肃酒泉瓜州县，75万千瓦风电项目总投资45亿元。\n")
    post(fresh_client, "n-2", "新能源建设提速\n时间:2024-05-03\n在新疆哈密市，75万千瓦风电项目总投资40亿元。\n")
    post(fresh_client, "n-3", "新能源建设提速\n时间:2024-05-04\n今年，75万千瓦风电项目总投资38亿元。\n")
    names = {p["name"] for p in fresh_client.get("/projects", query_string={"per_page": 100}).get_json()["items"]}
    assert {"瓜州县75万千瓦风电项目", "新疆哈密市75万千瓦风电项目"} <= names     # two places, two projects
    assert "75万千瓦风电项目" not in names                                # no place: no registry name
    body = fresh_client.get("/claims", query_string={"project": "75万千瓦风电", "per_page": 100}).get_json()
    assert {(c["article_id"], c["raw"]) for c in body["items"]} >= {("n-1", "45亿元"), ("n-2", "40亿元")}
    assert "n-3" not in {c["article_id"] for c in body["items"]}


def test_a_project_is_shown_by_the_name_most_articles_use(fresh_client):
    post(fresh_client, "h-1", "大桥通车\n时间:2024-05-02\n港珠澳大桥全长55公里，总投资1269亿元。\n")
    post(fresh_client, "h-2", "大桥客流\n时间:2024-05-03\n港珠澳大桥今年通行车辆超过500万辆次。\n")
    post(fresh_client, "h-3", "大桥工程\n时间:2024-05-04\n港珠澳大桥主体工程全长29.6公里，港珠澳大桥通车5年。\n")
    listed = fresh_client.get("/projects", query_string={"q": "港珠澳大桥"}).get_json()["items"]
    assert [p["name"] for p in listed] == ["港珠澳大桥"]
    body = fresh_client.get("/claims", query_string={"project": "港珠澳大桥", "per_page": 100}).get_json()
    assert {c["article_id"] for c in body["items"]} == {"h-1", "h-2", "h-3"}


def test_networks_kinds_and_landmark_works_are_no_projects_of_their_own(fresh_client):
    post(fresh_client, "k-1", "欧洲交通\n时间:2024-05-02\n意大利铁路今年客运量增长12%。\n")
    post(fresh_client, "k-2", "招商引资\n时间:2024-05-03\n在广州，总投资10亿元以上的制造业项目今年新增30个。\n")
    post(fresh_client, "k-3", "班列开行\n时间:2024-05-04\n西部陆海新通道今年开行班列9000列。\n")
    post(fresh_client, "k-4", "投资进度\n时间:2024-05-05\n西部陆海新通道标志性工程今年完成投资120亿元。\n")
    post(fresh_client, "k-5", "港口货运\n时间:2024-05-06\n西部陆海新通道今年集装箱运量增长20%。\n")
    names = {p["name"] for p in fresh_client.get("/projects", query_string={"per_page": 100}).get_json()["items"]}
    assert not {n for n in names if "意大利" in n or "制造业" in n}      # a country's network, a kind of project
    assert "西部陆海新通道" in names and "西部陆海新通道标志性工程" not in names   # its landmark works key as the work,
                                                                                  # shown by the name most articles use
    body = fresh_client.get("/claims", query_string={"project": "西部陆海新通道", "per_page": 100}).get_json()
    assert len(body["projects"]) == 1
    assert {c["article_id"] for c in body["items"]} >= {"k-3", "k-4"}
