"""Compressed weight storage: pruning (sparse), weight sharing (codebook), both (sparse + codebook), hashing
(HashedNets).

The interface between the compression tools (``nncodegen compress``, training scripts) and the
compiler.  Storage is a property of a weight tensor in the IR, chosen by one pass; the kernels that
read it have numpy twins like every other kernel, and their results equal the dense kernel's.

Where storage lives
-------------------
``Tensor.meta["storage"]``: a JSON-able dict (saved in ``model.nnc``), set on the weight tensor
(input 1) of ``conv2d`` (incl. depthwise / pointwise / grouped) and ``dense`` nodes by the pass
``nncodegen.passes.compress_weights.compress_weights(graph, mode, layers)``; absent means dense.
``nncodegen.compress.storage.Storage.of(tensor)`` reads it back as a frozen dataclass.

* ``{"kind": "dense"}``
* ``{"kind": "sparse", "nnz": N, "density": d}``: only the nonzero (quantized) weights are stored.
  Integer fully connected layers use the *sliced* layout (``storage.encode_sparse_sliced``: slices of
  16 rows, blocks of 128 / 64 columns, uint8 column indices, rows interleaved for SIMD steps, with the
  rows' weight sums ``storage.sliced_wsum``); float ones the *class-sliced* layout on the generic and x86
  targets (``compress/sparse_f32.py``: 16 rows of alike counts, groups by position % 8 so that SIMD steps
  keep the dense kernel's summation order); the others (and float fully connected layers on ARM targets) store per
  output channel: values in the weight's own element type and ``uint8`` index deltas into the
  flattened receptive field ``[k_h][k_w][in_c / groups]`` (dense: ``[in_features]``); a gap above
  255 is bridged by filler entries of value 0.  An all-zero filter (structured pruning) stores
  nothing and its output is the bias path.
* ``{"kind": "codebook", "bits": b, "values": K, "per_channel": bool}``: ``b``-bit indices
  (2..8, bit-packed LSB first) into a codebook of K <= 2**b values in the weight's element type;
  one codebook for the layer, or one per output channel when the quantized format is per channel
  and the channels' integer values differ (per-channel Q fractions / affine scales).
* ``{"kind": "sparse_codebook", "nnz": N, "density": d, "bits": b, "values": K, "per_channel": bool,
  "delta_bits": db, "bias_bits": 0 | 16 | 32}``: pruning and sharing together, Deep Compression's layout
  (``nncodegen.compress.sparse_codebook``): per output channel only its nonzeros, each a relative position
  (``db`` bits, 1..8, filler entries over longer runs of zeros) and a ``b``-bit index into the codebook
  (K values with 0), bit-packed, plus each channel's entry count; ``bias_bits`` 16: the int32 biases fit
  int16 and are stored so (the kernels' ``_b16`` variants; 0: no integer bias of this layer alone).
  ``"huffman": true`` (absent: false): the count / entries streams stored Huffman-coded where that is smaller
  (``nncodegen.compress.huffman_store``: canonical codes, a uint16 table and the codes per stream), decoded at
  run time by ``huffman_decode_u8`` into an arena scratch block that the layer's kernel then reads.
* ``{"kind": "hashed", "buckets": B, "seed": s, "sign": bool}``: dense layers only; HashedNets'
  virtual weights ``w[o][i] = sign(o, i) * bucket[h(o, i)]`` with
  ``k = o * in_features + i``, ``h = nnc_hash32(seed, k) % B`` and, when ``sign``,
  ``sign = -1 if nnc_hash32(seed ^ 0x5BD1E995, k) & 1 else +1`` (``nnc_hash32``: an xxhash32-style
  finalizer, ``storage.nnc_hash32``, the twin of ``templates_c/include/nnc_hash.h``).  Only the
  quantized buckets are stored.

Requests (what a tool or a config asks for)
-------------------------------------------
``Tensor.meta["storage_request"]``: ``"auto" | "dense" | "sparse" | "codebook" | "sparse_codebook" |
"sparse_codebook_huffman" | "hashed"``,
set by a front end or a tool on a weight tensor; the compile config key ``"compress"`` does the same per layer:
``{"compress": "auto", "compress_layers": {"<node name>": "dense" | "sparse" | "codebook" | "sparse_codebook" |
"sparse_codebook_huffman"}}``, and ``nncodegen compile --compress auto|none|sparse|codebook|sparse_codebook|huffman``
sets the mode (default ``auto``; ``huffman``: ``auto``'s choice, its sparse + codebook layers stored Huffman-coded).
Modes: ``none`` keeps every layer dense (byte-identical C to a build without this feature);
``auto`` picks per layer the smallest of dense / sparse / codebook / sparse_codebook in stored bytes
(sparse_codebook counted with the bias bytes it saves), taking a compressed kind only when it stores at
most ``AUTO_MAX_RATIO`` of the dense bytes (sparse only at densities where its kernel was measured not
slower than the dense one: ``passes.compress_weights.SPARSE_MAX_DENSITY`` per layer kind and format, on NEON
targets ``SPARSE_MAX_DENSITY_NEON``: ``compress_weights(graph, mode, layers, target)``;
sparse_codebook only for shared weights: ``SHARED_INDEX_MARGIN``, ``SHARED_MIN_USES``); ``sparse``,
``codebook`` and ``sparse_codebook`` force that kind wherever it is possible (a codebook needs at most
256 values, 0 included for sparse_codebook).
The ``hashed`` kind is taken only when requested (by the importer below): its buckets cannot be
recovered from an arbitrary weight matrix.

HashedNets in ONNX
------------------
A node ``HashedGemm`` in the custom domain ``"nncodegen"`` (opset version 1):
inputs ``X [N, in_features]``, ``buckets [B]`` (a float initializer, named ``<W>.hashed_buckets`` by
convention), optional ``bias [out_features]``; attributes ``in_features`` (int), ``out_features``
(int), ``seed`` (int, 0 <= seed < 2**32), ``sign`` (int 0 / 1, default 1).
``Y = X @ W.T + bias`` with ``W[o][i]`` the virtual weight above.  The importer expands ``W`` into a
dense ``dense`` node (so the float reference, quantization and the simulator need nothing new) and
puts ``{"buckets": [...], "seed": s, "sign": b}`` in ``W.meta["hashed"]`` and ``"hashed"`` in
``W.meta["storage_request"]``.  Quantization then keeps one format for the whole tensor (a per-channel
format would make every channel's bucket values differ); the pass checks that the quantized matrix
equals ``sign * qbucket[h]`` and stores the quantized buckets.

Size accounting
---------------
``nncodegen.compress.accounting``: per layer stored bytes, Huffman-coded bytes of the quantized
weights (or of the sparse values + deltas / the codebook indices / the sparse + codebook streams, as Deep
Compression reports it: canonical Huffman code lengths built in Python, summed), MACs skipped, and for
sparse_codebook the bias bytes saved by int16 biases; report.json has them per layer under
``"compression"`` and in total under ``"compression_totals"``.
"""
