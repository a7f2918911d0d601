"""The analyzer keeps what search needs: digits, units, full-width text, exact offsets, ordinals."""
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from index.fulltext.analysis import JiebaAnalyzer, fold_width, index_terms, tokens
from index.fulltext.schema import passage_schema

ROOT = Path(__file__).resolve().parents[1]


def terms(text):
    return [t[0] for t in index_terms(text, subwords=False)]


def test_import_does_not_load_jieba_analyse_or_a_dictionary():
    code = ("import sys, index.fulltext.analysis, index.fulltext.schema, index.fulltext.searcher, index.fulltext.query, index.fulltext.indexer; "
            "print('jieba.analyse' in sys.modules, index.fulltext.analysis._segmenter is None)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("text, expected", [
    ("新增5个项目", ["新增", "5", "个", "项目"]),          # one-character non-Han tokens stay
    ("3月18日", ["3", "月", "18", "日"]),
    ("总投资190亿元", ["总", "投资", "190", "亿元"]),       # number, then its unit
    ("增长12.5%", ["增长", "12.5", "%"]),                  # % is its own term
    ("１２.５％", ["12.5", "%"]),                         # full-width folded first
    ("1,000万元", ["1000", "万元"]),                      # thousands separators dropped
    ("Running Apples", ["running", "apples"]),            # lowercased, never stemmed
    ("“投资”，（项目）！", ["投资", "项目"]),               # punctuation is no term
])
def test_terms(text, expected):
    assert terms(text) == expected


def test_positions_are_word_ordinals_and_punctuation_takes_none():
    got = index_terms("项目190个，总投资30亿元", subwords=False)
    assert [(t, p) for t, p, _, _ in got] == [
        ("项目", 0), ("190", 1), ("个", 2), ("总", 3), ("投资", 4), ("30", 5), ("亿元", 6)]


def test_subwords_share_their_words_position():
    got = index_terms("润滑油添加剂")
    assert ("润滑油", 0, 0, 3) in got and ("润滑", 0, 0, 2) in got
    assert ("添加剂", 1, 3, 6) in got and ("添加", 1, 3, 5) in got


@pytest.mark.parametrize("text", ["ＡＢＣ１２３公司　新增５个项目，投资１，０００万元", "凯荣集团锦州生产基地项目总投资51亿元",
                                  "Ｇ２０峰会 12.5% 3月"])
def test_offsets_slice_the_original_text(text):
    for term, _, start, end in index_terms(text):
        surface = fold_width(text[start:end]).lower().replace(",", "")
        assert surface == term


def test_tokens_cover_the_text_once():
    text = "锦州市一季度集中新开工重点项目101个，总投资190亿元。 Ｏｋ"
    got = tokens(text)
    assert "".join(text[s:e] for _, s, e in got) == text
    assert all(e > s for _, s, e in got)


def test_analyzer_pickles_without_a_segmenter_and_yields_whoosh_tokens():
    analyzer = pickle.loads(pickle.dumps(JiebaAnalyzer()))
    assert analyzer == JiebaAnalyzer()
    got = [(t.text, t.pos, t.startchar, t.endchar)
           for t in analyzer("新增5个项目", positions=True, chars=True, mode="query")]
    assert got == [("新增", 0, 0, 2), ("5", 1, 2, 3), ("个", 2, 3, 4), ("项目", 3, 4, 6)]


def test_schema_survives_pickling():
    schema = passage_schema()
    assert pickle.loads(pickle.dumps(schema)) == schema
