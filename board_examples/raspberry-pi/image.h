/* Minimal image handling for the Raspberry Pi example: PGM/PPM files, resizing, channels. */
#ifndef NNC_EXAMPLE_IMAGE_H
#define NNC_EXAMPLE_IMAGE_H

typedef struct {
    int width, height, channels; /* channels: 1 (gray) or 3 (RGB) */
    float *data;                 /* [height][width][channels], values in [0, 1] */
} nnc_image;

/* Read a binary or ASCII PGM (P5, P2) or PPM (P6, P3) file; 0 on success, else -1 with a
 * message on stderr.  Free with nnc_image_free. */
int nnc_image_load_pnm(const char *path, nnc_image *img);

/* Allocate an empty image; 0 on success. */
int nnc_image_alloc(nnc_image *img, int width, int height, int channels);

void nnc_image_free(nnc_image *img);

/* Bilinear resize of src to width x height with `channels` channels (gray <-> RGB converted:
 * luminance 0.299 R + 0.587 G + 0.114 B, or gray copied to all three), written to dst
 * ([height][width][channels]). */
void nnc_image_resize(const nnc_image *src, int width, int height, int channels, float *dst);

#endif
