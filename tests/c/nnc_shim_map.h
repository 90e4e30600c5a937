/* Test-only: the body of the array-at-a-time shims (nnc_*_shim.c) written once.
 *
 *     NNC_SHIM_MAP(name, out_type, expression of i, parameters...)
 *
 * defines  void name(int32_t n, parameters..., out_type *out)  setting out[i] = expression for i in [0, n).
 * Use it at file scope without a semicolon after it. */
#ifndef NNC_SHIM_MAP_H
#define NNC_SHIM_MAP_H

#define NNC_SHIM_MAP(name, out_type, expr, ...) \
    void name(int32_t n, __VA_ARGS__, out_type *out) \
    { \
        int32_t i; \
        for (i = 0; i < n; ++i) { \
            out[i] = (expr); \
        } \
    }

#endif /* NNC_SHIM_MAP_H */
