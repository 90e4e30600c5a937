/* PGM/PPM reading and bilinear resizing for the Raspberry Pi example (see image.h). */
#include "image.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static int read_header_int(FILE *f, int *value)
{
    int c = fgetc(f);
    while (c != EOF && (isspace(c) || c == '#')) {
        if (c == '#') {
            while (c != EOF && c != '\n') {
                c = fgetc(f);
            }
        }
        c = fgetc(f);
    }
    if (c == EOF || !isdigit(c)) {
        return -1;
    }
    *value = 0;
    while (c != EOF && isdigit(c)) {
        *value = *value * 10 + (c - '0');
        c = fgetc(f);
    }
    return 0; /* the single whitespace after the number is consumed */
}

int nnc_image_alloc(nnc_image *img, int width, int height, int channels)
{
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->data = (float *)malloc(sizeof(float) * (size_t)width * (size_t)height * (size_t)channels);
    return img->data ? 0 : -1;
}

void nnc_image_free(nnc_image *img)
{
    free(img->data);
    img->data = NULL;
}

int nnc_image_load_pnm(const char *path, nnc_image *img)
{
    FILE *f = fopen(path, "rb");
    int kind, w, h, maxval;
    long i, n;
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    if (fgetc(f) != 'P' || (kind = fgetc(f) - '0', kind != 2 && kind != 3 && kind != 5 && kind != 6) ||
        read_header_int(f, &w) || read_header_int(f, &h) || read_header_int(f, &maxval) || w <= 0 || h <= 0 ||
        maxval <= 0 || maxval > 65535) {
        fprintf(stderr, "%s: not a PGM/PPM image (P2, P3, P5 or P6)\n", path);
        fclose(f);
        return -1;
    }
    if (nnc_image_alloc(img, w, h, (kind == 3 || kind == 6) ? 3 : 1)) {
        fclose(f);
        return -1;
    }
    n = (long)w * h * img->channels;
    for (i = 0; i < n; ++i) {
        int v;
        if (kind == 2 || kind == 3) {
            if (read_header_int(f, &v)) {
                break;
            }
        } else if (maxval < 256) {
            v = fgetc(f);
        } else {
            int hi = fgetc(f);
            v = hi == EOF ? EOF : (hi << 8) | fgetc(f);
        }
        if (v == EOF || v < 0) {
            break;
        }
        img->data[i] = (float)v / (float)maxval;
    }
    fclose(f);
    if (i != n) {
        fprintf(stderr, "%s: truncated image data\n", path);
        nnc_image_free(img);
        return -1;
    }
    return 0;
}

static float pixel(const nnc_image *src, int x, int y, int c, int channels)
{
    const float *p = src->data + ((long)y * src->width + x) * src->channels;
    if (src->channels == channels) {
        return p[c];
    }
    if (src->channels == 3) { /* RGB -> gray */
        return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
    return p[0]; /* gray -> RGB */
}

void nnc_image_resize(const nnc_image *src, int width, int height, int channels, float *dst)
{
    int x, y, c;
    for (y = 0; y < height; ++y) {
        /* pixel centres aligned (half-pixel convention) */
        float fy = ((float)y + 0.5f) * (float)src->height / (float)height - 0.5f;
        int y0 = fy < 0 ? 0 : (int)fy;
        int y1 = y0 + 1 < src->height ? y0 + 1 : src->height - 1;
        float wy = fy < 0 ? 0.0f : fy - (float)y0;
        for (x = 0; x < width; ++x) {
            float fx = ((float)x + 0.5f) * (float)src->width / (float)width - 0.5f;
            int x0 = fx < 0 ? 0 : (int)fx;
            int x1 = x0 + 1 < src->width ? x0 + 1 : src->width - 1;
            float wx = fx < 0 ? 0.0f : fx - (float)x0;
            for (c = 0; c < channels; ++c) {
                float top = pixel(src, x0, y0, c, channels) * (1 - wx) + pixel(src, x1, y0, c, channels) * wx;
                float bot = pixel(src, x0, y1, c, channels) * (1 - wx) + pixel(src, x1, y1, c, channels) * wx;
                dst[((long)y * width + x) * channels + c] = top * (1 - wy) + bot * wy;
            }
        }
    }
}
