/* stand-in for pycparser */
#include <stddef.h>
