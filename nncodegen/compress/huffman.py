"""Huffman code lengths and costs, for the size accounting of compressed weights (accounting.py,
sparse_codebook.py): what an optimal prefix code for the symbols' own frequencies would take."""
from __future__ import annotations

import heapq
from typing import Dict

import numpy as np


def huffman_lengths(counts) -> Dict[int, int]:
    """Code length of each symbol (index into counts, counts > 0) of a Huffman code."""
    items = [(int(c), i) for i, c in enumerate(counts) if c > 0]
    if len(items) <= 1:
        return {i: 1 for _, i in items}  # one symbol still takes a bit per occurrence
    heap = [(c, k, [i]) for k, (c, i) in enumerate(items)]
    heapq.heapify(heap)
    length = {i: 0 for _, i in items}
    k = len(heap)
    while len(heap) > 1:
        c1, _, s1 = heapq.heappop(heap)
        c2, _, s2 = heapq.heappop(heap)
        for i in s1 + s2:
            length[i] += 1
        heapq.heappush(heap, (c1 + c2, k, s1 + s2))
        k += 1
    return length


def huffman_cost(counts) -> int:
    """sum(count * code length) of a Huffman code for these frequencies, without the lengths: the sum of
    the weights of the merged nodes.  Sorted counts and two queues (leaves, merged nodes, both ascending)
    make it one linear pass: a float layer has a symbol per weight."""
    leaves = sorted(int(c) for c in counts if c > 0)
    if len(leaves) <= 1:
        return sum(leaves)  # one symbol still takes a bit per occurrence
    merged: list = []
    i = j = 0
    total = 0
    for _ in range(len(leaves) - 1):
        pair = 0
        for _ in range(2):
            if j >= len(merged) or (i < len(leaves) and leaves[i] <= merged[j]):
                pair += leaves[i]
                i += 1
            else:
                pair += merged[j]
                j += 1
        merged.append(pair)
        total += pair
    return total


def huffman_bits(symbols) -> int:
    """Bits of ``symbols`` (any integer or float array) Huffman-coded by their own frequencies."""
    s = np.asarray(symbols).reshape(-1)
    if s.size == 0:
        return 0
    _, counts = np.unique(s, return_counts=True)
    return huffman_cost(counts)
