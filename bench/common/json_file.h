/* Reading a small JSON file that anyone may have put in place (an image dir's image.json, a
 * stack's stack.json): opened without following a symlink and without blocking, so a FIFO or
 * a device there cannot hang the reader, and read only when it is a regular file of bounded
 * size. */
#ifndef BOXBENCH_JSON_FILE_H
#define BOXBENCH_JSON_FILE_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

#define JSON_FILE_MAX (4u << 20) /* an image.json of 128 layers is some 60 KiB */

/* Loads path into *out (the caller json_decref()s it). -ENOENT when there is no such file;
 * otherwise every failure names path and why: a symlink (ELOOP), not a regular file
 * (EINVAL), more than max bytes (EFBIG), not valid JSON (EBADMSG), or a read error. The
 * caller adds what to do about it. */
int json_file_load(const char *path, size_t max, json_t **out, struct bb_error *err);

#endif
