/* stand-in for pycparser */
typedef unsigned long size_t;
#define NULL 0
