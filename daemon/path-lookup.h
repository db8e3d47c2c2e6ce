/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The full path of an executable (*ret, to free): name itself if it has a slash, else the first
 * match in path (":"-separated). 0, -ENOENT when none, or -errno. */
int find_executable(const char *name, const char *path, char **ret);
