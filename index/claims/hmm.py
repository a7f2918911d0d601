"""jieba.posseg's HMM decoding (its `viterbi`), the same answer in a fraction of the time.

Names of speakers and of works are read with jieba.posseg (index.claims.speaker, .works), whose
tagger decodes every run of unknown characters with a Viterbi search over 256 (position, tag)
states: for each character and each state it takes the best of every previous state, although
a state follows only ~20 others (jieba/posseg/prob_trans.py); the other candidates score
-inf. `viterbi` here takes the best over the states that can precede, with the same sums in
the same order, so it returns exactly what jieba's returns (tests/test_hmm.py compares them),
and jieba's own function is swapped for it by `install()`.
"""
from __future__ import annotations

MIN_FLOAT = -3.14e100
MIN_INF = float("-inf")

_sources: dict[int, tuple] = {}        # id(trans_p) -> (trans_p, {state: states that may precede it})


def _preceding(trans_p) -> dict:
    """For each state, the states with a transition into it (cached per table)."""
    found = _sources.get(id(trans_p))
    if found is None or found[0] is not trans_p:
        into: dict = {}
        for y0, nexts in trans_p.items():
            for y in nexts:
                into.setdefault(y, []).append(y0)
        found = _sources[id(trans_p)] = (trans_p, into)
    return found[1]


def _best(y, into, prev_set, last, trans_p, emit):
    """(score, state) of the best previous state leading to `y`; None when none does."""
    best = None
    for y0 in into.get(y, ()):
        if y0 in prev_set:
            candidate = (last[y0] + trans_p[y0][y] + emit, y0)
            if best is None or candidate > best:
                best = candidate
    return best


def viterbi(obs, states, start_p, trans_p, emit_p):
    """jieba.posseg.viterbi.viterbi: (log probability, [state per character]) of `obs`."""
    into = _preceding(trans_p)
    V = [{}]
    mem_path = [{}]
    all_states = trans_p.keys()
    for y in states.get(obs[0], all_states):
        V[0][y] = start_p[y] + emit_p[y].get(obs[0], MIN_FLOAT)
        mem_path[0][y] = ""
    for t in range(1, len(obs)):
        last, here, path = V[t - 1], {}, {}
        V.append(here)
        mem_path.append(path)
        prev_states = [x for x in mem_path[t - 1].keys() if len(trans_p[x]) > 0]
        prev_set = set(prev_states)
        char = obs[t]
        # jieba: the character's possible states that some previous state leads to (else every
        # state the previous ones lead to, else all); the best predecessor of each
        for y in set(states.get(char, all_states)):
            best = _best(y, into, prev_set, last, trans_p, emit_p[y].get(char, MIN_FLOAT))
            if best is not None:
                here[y], path[y] = best if best[0] != MIN_INF else (MIN_INF, max(prev_states))
        if not here:
            expect_next = {y for x in prev_states for y in trans_p[x].keys()}
            for y in expect_next or all_states:
                best = _best(y, into, prev_set, last, trans_p, emit_p[y].get(char, MIN_FLOAT))
                # every candidate scores -inf, those without a transition too: jieba's max
                # then falls on the greatest state (and raises on none, as here)
                here[y], path[y] = best if best is not None and best[0] != MIN_INF else (MIN_INF, max(prev_states))
    prob, state = max((V[-1][y], y) for y in mem_path[-1].keys())
    route = [None] * len(obs)
    i = len(obs) - 1
    while i >= 0:
        route[i] = state
        state = mem_path[i][state]
        i -= 1
    return prob, route


def install(posseg_module) -> None:
    """Make jieba.posseg (the module, imported) decode with `viterbi`."""
    if getattr(posseg_module, "viterbi", None) is not viterbi:
        posseg_module.viterbi = viterbi
