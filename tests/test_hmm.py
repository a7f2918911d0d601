"""index.claims.hmm decodes exactly as jieba.posseg's own viterbi, so names and tags do not change."""
from __future__ import annotations

import importlib
import logging
import random
import sys

import pytest

from index.claims import hmm

logging.getLogger("jieba").setLevel(logging.WARNING)
posseg = importlib.import_module("jieba.posseg")
jieba_viterbi = importlib.import_module("jieba.posseg.viterbi").viterbi    # the module, not the re-exported function
TABLES = [sys.modules[f"jieba.posseg.{name}"].P for name in ("char_state_tab", "prob_start", "prob_trans", "prob_emit")]

# common characters, surnames and given names, rare and out-of-table characters, digits and letters
CHARACTERS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可"
              "张王李赵刘陈杨黄周吴茂峰伟芳娜秀英华慧巧美娟兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛"
              "龘齉爨彧翀垚犇淼鑫㐀𠀀abcXYZ0129·-")
SENTENCES = ["张茂峰对记者说", "国家能源局副局长任京东表示", "雄忻高铁雄安地下段", "记者从乌鲁木齐获悉",
             "据交易员MarkThompson介绍", "李强出席并致辞", "他们在白鹤滩水电站", "大江南北座座演兵场上激战正酣"]


def _strings(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(CHARACTERS) for _ in range(rnd.randint(1, 12))) for _ in range(n)]


@pytest.mark.parametrize("seed", [1, 2])
def test_viterbi_returns_what_jiebas_returns(seed):
    for obs in _strings(400, seed) + SENTENCES:
        assert hmm.viterbi(obs, *TABLES) == jieba_viterbi(obs, *TABLES), obs


def test_installed_tagger_gives_the_same_words_and_tags(monkeypatch):
    texts = SENTENCES + _strings(200, 3)
    monkeypatch.setattr(posseg, "viterbi", jieba_viterbi)
    before = [[(w.word, w.flag) for w in posseg.cut(t)] for t in texts]
    hmm.install(posseg)
    assert posseg.viterbi is hmm.viterbi
    assert [[(w.word, w.flag) for w in posseg.cut(t)] for t in texts] == before


def test_the_claims_taggers_install_it():
    from index.claims import speaker, works

    for loader in (speaker._posseg, works._posseg):
        assert loader().viterbi is hmm.viterbi
