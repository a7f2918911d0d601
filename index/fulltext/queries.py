"""Query nodes of our own, scored by `ranking` (and, where ranking cannot, by Whoosh itself)."""
from __future__ import annotations

from whoosh import matching
from whoosh import query as wq


class CountedPhrase(wq.Phrase):
    """A phrase scored by how often the phrase itself occurs.

    Whoosh scores a phrase by its words' counts, so a passage saying 企业 three times and
    头部企业 once would outrank one saying 头部企业 twice; here each word of the phrase is
    scored (BM25F) as if it occurred exactly as often as the phrase.
    """

    def matcher(self, searcher, context=None):
        boost, self.boost = self.boost, 1.0
        try:
            child = super().matcher(searcher, context)
        finally:
            self.boost = boost
        if not child.is_active():
            return child
        field = searcher.schema[self.fieldname]
        scorers = [searcher.weighting.scorer(searcher, self.fieldname, field.to_bytes(w)) for w in self.words]
        if not all(hasattr(s, "_score") and hasattr(s, "dfl") for s in scorers):
            return matching.WrappingMatcher(child, boost=boost)
        return _PhraseCountMatcher(child, scorers, boost)


class _PhraseCountMatcher(matching.WrappingMatcher):
    def __init__(self, child, scorers, boost=1.0):
        super().__init__(child, boost)
        self._scorers = scorers

    def _replacement(self, newchild):
        return self.__class__(newchild, self._scorers, self.boost)

    def copy(self):
        return self.__class__(self.child.copy(), self._scorers, self.boost)

    def supports_block_quality(self):
        return False

    def score(self):
        count = len(self.child.spans())
        docid = self.child.id()
        return self.boost * sum(s._score(count, s.dfl(docid)) for s in self._scorers)
