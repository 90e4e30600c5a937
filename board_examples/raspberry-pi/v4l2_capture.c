/* V4L2 capture for the Raspberry Pi example (see v4l2_capture.h). */
#define _POSIX_C_SOURCE 200809L
#include "v4l2_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <unistd.h>

#define NNC_CAMERA_BUFFERS 4

struct nnc_camera {
    int fd;
    unsigned width, height, bytesperline;
    unsigned n_buffers;
    void *start[NNC_CAMERA_BUFFERS];
    size_t length[NNC_CAMERA_BUFFERS];
};

static int xioctl(int fd, unsigned long request, void *arg)
{
    int r;
    do {
        r = ioctl(fd, request, arg);
    } while (r == -1 && errno == EINTR);
    return r;
}

nnc_camera *nnc_camera_open(const char *device, int width, int height)
{
    struct v4l2_capability cap;
    struct v4l2_format fmt;
    struct v4l2_requestbuffers req;
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    unsigned i;
    nnc_camera *cam = (nnc_camera *)calloc(1, sizeof *cam);
    if (!cam) {
        return NULL;
    }
    cam->fd = open(device, O_RDWR | O_NONBLOCK);
    if (cam->fd < 0) {
        fprintf(stderr, "%s: cannot open: %s\n", device, strerror(errno));
        free(cam);
        return NULL;
    }
    if (xioctl(cam->fd, VIDIOC_QUERYCAP, &cap) || !(cap.capabilities & V4L2_CAP_VIDEO_CAPTURE) ||
        !(cap.capabilities & V4L2_CAP_STREAMING)) {
        fprintf(stderr, "%s: not a V4L2 streaming capture device\n", device);
        goto fail;
    }
    memset(&fmt, 0, sizeof fmt);
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = (unsigned)width;
    fmt.fmt.pix.height = (unsigned)height;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    if (xioctl(cam->fd, VIDIOC_S_FMT, &fmt) || fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV) {
        fprintf(stderr, "%s: the camera does not deliver YUYV frames\n", device);
        goto fail;
    }
    cam->width = fmt.fmt.pix.width;
    cam->height = fmt.fmt.pix.height;
    cam->bytesperline = fmt.fmt.pix.bytesperline ? fmt.fmt.pix.bytesperline : 2 * cam->width;
    memset(&req, 0, sizeof req);
    req.count = NNC_CAMERA_BUFFERS;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (xioctl(cam->fd, VIDIOC_REQBUFS, &req) || req.count < 2) {
        fprintf(stderr, "%s: cannot get capture buffers\n", device);
        goto fail;
    }
    cam->n_buffers = req.count > NNC_CAMERA_BUFFERS ? NNC_CAMERA_BUFFERS : req.count;
    for (i = 0; i < cam->n_buffers; ++i) {
        struct v4l2_buffer buf;
        memset(&buf, 0, sizeof buf);
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buf.memory = V4L2_MEMORY_MMAP;
        buf.index = i;
        if (xioctl(cam->fd, VIDIOC_QUERYBUF, &buf)) {
            goto fail;
        }
        cam->length[i] = buf.length;
        cam->start[i] = mmap(NULL, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, cam->fd, buf.m.offset);
        if (cam->start[i] == MAP_FAILED) {
            cam->start[i] = NULL;
            goto fail;
        }
        if (xioctl(cam->fd, VIDIOC_QBUF, &buf)) {
            goto fail;
        }
    }
    if (xioctl(cam->fd, VIDIOC_STREAMON, &type)) {
        fprintf(stderr, "%s: cannot start streaming: %s\n", device, strerror(errno));
        goto fail;
    }
    return cam;
fail:
    nnc_camera_close(cam);
    return NULL;
}

static float clamp01(float v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

int nnc_camera_grab(nnc_camera *cam, nnc_image *rgb)
{
    struct v4l2_buffer buf;
    struct timeval tv;
    fd_set fds;
    unsigned x, y;
    const unsigned char *p;
    FD_ZERO(&fds);
    FD_SET(cam->fd, &fds);
    tv.tv_sec = 2;
    tv.tv_usec = 0;
    if (select(cam->fd + 1, &fds, NULL, NULL, &tv) <= 0) {
        fprintf(stderr, "camera: no frame within 2 s\n");
        return -1;
    }
    memset(&buf, 0, sizeof buf);
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    if (xioctl(cam->fd, VIDIOC_DQBUF, &buf) || buf.index >= cam->n_buffers) {
        return -1;
    }
    if (!rgb->data && nnc_image_alloc(rgb, (int)cam->width, (int)cam->height, 3)) {
        return -1;
    }
    p = (const unsigned char *)cam->start[buf.index];
    for (y = 0; y < cam->height; ++y) {
        const unsigned char *row = p + (size_t)y * cam->bytesperline;
        for (x = 0; x < cam->width; ++x) {
            /* YUYV: Y0 U Y1 V for each pair of pixels (BT.601, limited range) */
            const unsigned char *pair = row + (x / 2) * 4;
            float yy = ((float)row[2 * x] - 16.0f) / 219.0f;
            float u = ((float)pair[1] - 128.0f) / 224.0f, v = ((float)pair[3] - 128.0f) / 224.0f;
            float *o = rgb->data + ((size_t)y * cam->width + x) * 3;
            o[0] = clamp01(yy + 1.402f * v);
            o[1] = clamp01(yy - 0.344f * u - 0.714f * v);
            o[2] = clamp01(yy + 1.772f * u);
        }
    }
    return xioctl(cam->fd, VIDIOC_QBUF, &buf) ? -1 : 0;
}

void nnc_camera_close(nnc_camera *cam)
{
    unsigned i;
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (!cam) {
        return;
    }
    if (cam->fd >= 0) {
        (void)xioctl(cam->fd, VIDIOC_STREAMOFF, &type);
    }
    for (i = 0; i < NNC_CAMERA_BUFFERS; ++i) {
        if (cam->start[i]) {
            munmap(cam->start[i], cam->length[i]);
        }
    }
    if (cam->fd >= 0) {
        close(cam->fd);
    }
    free(cam);
}
