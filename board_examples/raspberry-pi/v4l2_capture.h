/* Frame capture from a V4L2 camera (USB webcam, or the Pi camera through libcamera's V4L2
 * compatibility layer / the bcm2835 V4L2 driver), YUYV 4:2:2, memory-mapped streaming.
 * Built only with the CMake option NNC_V4L2=ON. */
#ifndef NNC_EXAMPLE_V4L2_CAPTURE_H
#define NNC_EXAMPLE_V4L2_CAPTURE_H

#include "image.h"

typedef struct nnc_camera nnc_camera;

/* Open `device` (e.g. /dev/video0) and start streaming at about width x height (the driver may
 * pick another size; the frames say which).  NULL with a message on stderr on failure. */
nnc_camera *nnc_camera_open(const char *device, int width, int height);

/* Wait for the next frame (up to 2 s) and convert it to an RGB image in [0, 1] (allocated on the
 * first call, reused afterwards).  0 on success. */
int nnc_camera_grab(nnc_camera *cam, nnc_image *rgb);

void nnc_camera_close(nnc_camera *cam);

#endif
