"""index.fulltext.segments writes the same index as Whoosh's own writer, only faster."""
from __future__ import annotations

import datetime as dt
import os
import threading

import pytest

from whoosh import index as whoosh_index
from whoosh import query as wq

from index.fulltext import segments
from index.fulltext import indexer
from index.fulltext.schema import passage_schema

TEXTS = [
    "某市今年新开工项目52个,总投资86亿元,同比增长12.5%。",
    "清原抽水蓄能电站总装机容量180万千瓦,总投资约108亿元。",
    "项目建成后预计年产值30亿元。" * 3,
    "高质量发展是全面建设社会主义现代化国家的首要任务。中国经济稳中向好。",
    "",
    "S-300防空系统与BQ.1.1毒株,以及2023-2024年度的1,000万元。",
] + [f"第{n}段:某县新增就业{n * 7}人,投资{n}亿元,润滑油产量增长{n}%。" for n in range(1, 300)]


def documents():
    docs = []
    for n, text in enumerate(TEXTS):
        article = {"id": f"a{n % 40}", "title": f"标题{n % 7}:高质量发展" if n % 3 else None,
                   "source": "新华社" if n % 2 else None, "published": dt.date(2024, 1 + n % 12, 1 + n % 28)}
        paragraph = {"index": n, "kind": "body" if n % 5 else "heading", "text": text}
        docs.append(indexer.passage_document(article, paragraph, [{"dimension": "money"}] if n % 4 == 0 else ()))
    return docs


def article_documents():
    """Documents as an ingest makes them: each article's passages in a row, sharing its title,
    source and date; some articles lack a title or source between two that have the same one."""
    docs, n = [], 0
    for number in range(60):
        article = {"id": f"art{number}", "title": None if number % 4 == 1 else f"标题{number // 8}:高质量发展",
                   "source": None if number % 5 == 2 else "新华社", "published": dt.date(2024, 1, 1 + number // 10)}
        for index in range(1 + number % 4):
            paragraph = {"index": index, "kind": "heading" if index == 0 and number % 3 == 0 else "body",
                         "text": TEXTS[n % len(TEXTS)]}
            docs.append(indexer.passage_document(article, paragraph, [{"dimension": "money"}] if n % 3 == 0 else ()))
            n += 1
    return docs


def dump(ix):
    """Everything a reader answers about the index, by document id rather than docnum."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
        out = {"doc_count": reader.doc_count(), "stored": {}, "lengths": {}, "postings": {}, "terms": {}}
        for docnum, fields in reader.iter_docs():
            out["stored"][fields["id"]] = fields
            for name in ("text", "title"):
                out["lengths"][(fields["id"], name)] = reader.doc_field_length(docnum, name)
        for name in ("text", "title"):
            out["lengths"][name] = reader.field_length(name)
        for fieldname, tbytes in reader.all_terms():
            info = reader.term_info(fieldname, tbytes)
            out["terms"][(fieldname, tbytes)] = (info.weight(), info.doc_frequency(), info.min_length(),
                                                 info.max_length(), info.max_weight())
            matcher = reader.postings(fieldname, tbytes)
            postings = []
            while matcher.is_active():
                postings.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            out["postings"][(fieldname, tbytes)] = sorted(postings)
        return out


@pytest.mark.parametrize("make_documents", [documents, article_documents])
def test_builder_segment_reads_like_whoosh_writer(tmp_path, make_documents):
    docs = make_documents()
    reference = indexer.open_index(tmp_path / "ref")
    writer = reference.writer()
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()

    built = indexer.open_index(tmp_path / "built")
    schema = passage_schema()
    built_segments = []
    for part in (docs[:100], docs[100:]):          # two segments, as two workers would make
        builder = segments.SegmentBuilder(built.storage, built.indexname, schema)
        for doc in part:
            builder.add(segments.analyse(schema, doc))
        built_segments.append(builder.finish())
    segments.add_segments(built, built_segments)
    built = whoosh_index.open_dir(str(tmp_path / "built"))

    assert dump(built) == dump(reference)
    query = wq.Or([wq.Phrase("text", ["86", "亿元"]), wq.Term("text", "润滑"), wq.Term("title", "发展")])
    with built.searcher() as mine, reference.searcher() as theirs:
        ranked = [(hit["id"], round(hit.score, 6)) for hit in mine.search(query, limit=None)]
        assert ranked == [(hit["id"], round(hit.score, 6)) for hit in theirs.search(query, limit=None)]
        assert docs[0]["id"] in dict(ranked) and len(ranked) > 0.8 * len(docs)


def test_add_segments_deletes_replaced_articles(tmp_path):
    docs = documents()
    ix = indexer.open_index(tmp_path / "ix")
    schema = passage_schema()
    builder = segments.SegmentBuilder(ix.storage, ix.indexname, schema)
    for doc in docs:
        builder.add(segments.analyse(schema, doc))
    segments.add_segments(ix, [builder.finish()])
    builder = segments.SegmentBuilder(ix.storage, ix.indexname, schema)
    builder.add(segments.analyse(schema, docs[0] | {"text": "替换后的段落"}))
    segments.add_segments(ix, [builder.finish()], delete_ids=["a0"])
    with ix.searcher() as searcher:
        assert searcher.doc_count() == len(docs) - sum(1 for d in docs if d["article_id"] == "a0") + 1
        assert [h["id"] for h in searcher.search(wq.Term("text", "替换"))] == ["a0-p0"]


def test_segments_built_by_forked_processes_read_like_one_process(tmp_path):
    docs, schema = documents(), passage_schema()
    one = indexer.open_index(tmp_path / "one")
    segments.clear_and_add_segments(one, segments.build_segments(one.storage, one.indexname, schema, docs, 10**9))
    many = indexer.open_index(tmp_path / "many")
    built_segments = segments.build_segments(many.storage, many.indexname, schema, docs, 10**9, procs=3, parallel_from=1)
    assert len(built_segments) == 3
    segments.clear_and_add_segments(many, built_segments)
    assert dump(many) == dump(one)


def test_a_process_running_threads_does_not_fork(tmp_path):
    release = threading.Event()
    waiter = threading.Thread(target=release.wait)
    waiter.start()
    try:
        ix = indexer.open_index(tmp_path / "ix")
        built_segments = segments.build_segments(ix.storage, ix.indexname, passage_schema(), documents(), 10**9,
                                            procs=3, parallel_from=1)
        assert len(built_segments) == 1
    finally:
        release.set()
        waiter.join()


def test_a_segment_building_process_that_dies_is_an_error_not_a_hang(tmp_path, monkeypatch):
    def die(*args):
        os._exit(9)

    monkeypatch.setattr(segments, "_build_run", die)
    ix = indexer.open_index(tmp_path / "ix")
    with pytest.raises(RuntimeError, match="exit code 9"):
        segments.build_segments(ix.storage, ix.indexname, passage_schema(), documents(), 10**9,
                                 procs=2, parallel_from=1)
