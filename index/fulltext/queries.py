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


class Coordinated(wq.WrappingQuery):
    """Required and optional clauses (one per word of the user's), scored by the sum of their
    scores times (clauses matched / clauses) ** exponent: Lucene's classic coordination factor.

    A passage holding every word the reader typed outranks one repeating some of them
    (华龙一号 four times but no 冷却塔). Matches are those of the plain query: the required
    clauses, and any optional one when there is none. Whoosh itself runs that plain query
    (`child`), without the factor.
    """

    def __init__(self, required, optional, exponent: float = 1.0):
        self.required, self.optional, self.exponent = list(required), list(optional), exponent
        should = None if not self.optional else self.optional[0] if len(self.optional) == 1 else wq.Or(self.optional)
        must = None if not self.required else self.required[0] if len(self.required) == 1 else wq.And(self.required)
        super().__init__(wq.AndMaybe(must, should) if must is not None and should is not None else must or should)

    def _rewrap(self, child):
        return self

    def __eq__(self, other):
        return (type(other) is type(self) and other.required == self.required
                and other.optional == self.optional and other.exponent == self.exponent)

    def __hash__(self):
        return hash((tuple(self.required), tuple(self.optional), self.exponent))

    def __repr__(self):
        return f"{type(self).__name__}({self.required!r}, {self.optional!r}, {self.exponent!r})"

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        if not child.is_active():
            return child
        clauses = [q.matcher(searcher, context) for q in self.required + self.optional]
        return _CoordinatedMatcher(child, clauses, len(self.required), self.exponent)


class _CoordinatedMatcher(matching.WrappingMatcher):
    """Steps through the plain query's matches; scores each as `Coordinated` says."""

    def __init__(self, child, clauses, required: int, exponent: float, boost=1.0):
        super().__init__(child, boost)
        self._clauses, self._required, self._exponent = clauses, required, exponent

    def _replacement(self, newchild):
        return self.__class__(newchild, self._clauses, self._required, self._exponent, self.boost)

    def copy(self):
        return self.__class__(self.child.copy(), [c.copy() for c in self._clauses], self._required,
                              self._exponent, self.boost)

    def supports_block_quality(self):
        return False

    def score(self):
        docid = self.child.id()
        total, matched = 0.0, self._required
        for i, clause in enumerate(self._clauses):
            if clause.is_active() and clause.id() < docid:
                clause.skip_to(docid)
            if clause.is_active() and clause.id() == docid:
                total += clause.score()
                matched += i >= self._required
        return total * (matched / len(self._clauses)) ** self._exponent


class KindPrior(wq.WrappingQuery):
    """The child query, each passage's score multiplied by the weight of its kind (1 when unlisted)."""

    def __init__(self, child, weights: dict, fieldname: str = "kind"):
        super().__init__(child)
        self.weights, self.fieldname = dict(weights), fieldname

    def _rewrap(self, child):
        return self.__class__(child, self.weights, self.fieldname)

    def __eq__(self, other):
        return (type(other) is type(self) and other.child == self.child and other.weights == self.weights
                and other.fieldname == self.fieldname)

    def __hash__(self):
        return hash((self.child, tuple(sorted(self.weights.items())), self.fieldname))

    def __repr__(self):
        return f"{type(self).__name__}({self.child!r}, {self.weights!r})"

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        if not child.is_active():
            return child
        weights = {}
        for kind, weight in self.weights.items():
            if (self.fieldname, kind) in searcher.reader():
                weights.update(dict.fromkeys(searcher.reader().postings(self.fieldname, kind).all_ids(), weight))
        return _WeightedMatcher(child, weights)


class _WeightedMatcher(matching.WrappingMatcher):
    """The child's score times a weight per document ({docnum: weight}, 1 when absent)."""

    def __init__(self, child, weights: dict, boost=1.0):
        super().__init__(child, boost)
        self._weights = weights

    def _replacement(self, newchild):
        return self.__class__(newchild, self._weights, self.boost)

    def copy(self):
        return self.__class__(self.child.copy(), self._weights, self.boost)

    def supports_block_quality(self):
        return False

    def score(self):
        return self.child.score() * self._weights.get(self.child.id(), 1.0)


class WithSection(wq.WrappingQuery):
    """The child query, also matching a heading through the paragraph it heads.

    A heading marked `heads` (the next document is its paragraph: a 快讯 headline and its
    brief) that the child does not match itself matches when `source` matches that paragraph,
    and scores `weight` times `source`'s score there. `source` is the child without the
    phrases that only rank (their counts are read for the top documents only), so its score
    is known for every paragraph at once.
    """

    def __init__(self, child, source, weight: float, fieldname: str = "heads"):
        super().__init__(child)
        self.source, self.weight, self.fieldname = source, weight, fieldname

    def _rewrap(self, child):
        return self.__class__(child, self.source, self.weight, self.fieldname)

    def __eq__(self, other):
        return (type(other) is type(self) and other.child == self.child and other.source == self.source
                and other.weight == self.weight and other.fieldname == self.fieldname)

    def __hash__(self):
        return hash((self.child, self.source, self.weight, self.fieldname))

    def __repr__(self):
        return f"{type(self).__name__}({self.child!r}, {self.source!r}, {self.weight!r})"

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        reader = searcher.reader()
        if self.fieldname not in searcher.schema:       # an index written before the field existed
            return child
        tbytes = searcher.schema[self.fieldname].to_bytes(True)
        if (self.fieldname, tbytes) not in reader:
            return child
        heads = [h for h in reader.postings(self.fieldname, tbytes).all_ids() if not reader.is_deleted(h)]
        matched = set(self.child.matcher(searcher, context).all_ids())
        source, extra = self.source.matcher(searcher, context), {}
        for head in heads:
            if head in matched or not source.is_active():
                continue
            if source.id() < head + 1:
                source.skip_to(head + 1)
            if source.is_active() and source.id() == head + 1:
                extra[head] = self.weight * source.score()
        if not extra:
            return child
        ids = sorted(extra)
        extras = matching.ListMatcher(ids, weights=[extra[i] for i in ids])
        return matching.UnionMatcher(child, extras) if child.is_active() else extras
