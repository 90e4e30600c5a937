/* stand-in for pycparser */
