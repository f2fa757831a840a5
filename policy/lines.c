/*
 * lines.c - the bounded line reader shared by the configuration file, the
 * signing and certificate tables and InternalHosts files.
 *
 * A line longer than KYSO_MAX_CONFIG_LINE, a control character (other than
 * TAB, or CR before LF) or a read error is an error naming file:line, never
 * a silent truncation. '#' starts a comment at the start of a line or after
 * white space. Never logs.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "config_int.h"

int
kyso_lines_open(struct kyso_lines *lr, const char *path, struct kyso_err *err)
{
	lr->path = path;
	lr->lineno = 0;
	lr->buf[0] = '\0';
	lr->fp = fopen(path, "re");
	if (lr->fp == NULL) {
		kyso_text_err_at(err, path, 0, "cannot open: %s",
		    g_strerror(errno));
		return -1;
	}
	return 0;
}

void
kyso_lines_close(struct kyso_lines *lr)
{
	if (lr->fp != NULL)
		(void)fclose(lr->fp);
	lr->fp = NULL;
}

int
kyso_lines_each(const char *path, kyso_line_fn fn, void *ctx,
    struct kyso_err *err)
{
	struct kyso_lines lr = {0};
	char *line = NULL;
	int r;

	if (kyso_lines_open(&lr, path, err) < 0)
		return -1;
	while ((r = kyso_lines_next(&lr, &line, err)) > 0)
		if (fn(ctx, &lr, line, err) < 0) {
			r = -1;
			break;
		}
	kyso_lines_close(&lr);
	return r < 0 ? -1 : 0;
}

/* Read one physical line into lr->buf; 1 line, 0 EOF, -1 error. */
static int
read_line(struct kyso_lines *lr, struct kyso_err *err)
{
	size_t len = 0;
	int c;

	for (;;) {
		c = getc(lr->fp);
		if (c == EOF) {
			if (ferror(lr->fp)) {
				kyso_text_err_at(err, lr->path, lr->lineno + 1,
				    "read error: %s", g_strerror(errno));
				return -1;
			}
			if (len == 0)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\r') {
			c = getc(lr->fp);
			if (c == '\n')
				break;
			kyso_text_err_at(err, lr->path, lr->lineno + 1,
			    "carriage return inside a line");
			return -1;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			kyso_text_err_at(err, lr->path, lr->lineno + 1,
			    "control character 0x%02x in line", (unsigned)c);
			return -1;
		}
		if (len >= KYSO_MAX_CONFIG_LINE) {
			kyso_text_err_at(err, lr->path, lr->lineno + 1,
			    "line longer than %d bytes", KYSO_MAX_CONFIG_LINE);
			return -1;
		}
		lr->buf[len++] = (char)c;
	}
	lr->buf[len] = '\0';
	lr->lineno++;
	return 1;
}

int
kyso_lines_next(struct kyso_lines *lr, char **line, struct kyso_err *err)
{
	char *p, *end;
	int r;

	for (;;) {
		r = read_line(lr, err);
		if (r <= 0)
			return r;
		for (p = lr->buf; *p != '\0'; p++)
			if (*p == '#' &&
			    (p == lr->buf || p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		p = lr->buf;
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p != '\0') {
			*line = p;
			return 1;
		}
	}
}
