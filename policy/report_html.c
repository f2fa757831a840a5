/*
 * report_html.c - the report as one self-contained HTML page for the
 * Department (include/kyso/policy/report.h, kyso_report_html): Vietnamese,
 * UTF-8, no script, no external resource; one inline SVG bar chart per
 * agency (a bar per month: signatures made, signed plus sealed), the
 * tables of report.c, the certificates used and the certificate table.
 *
 * Every bar carries its numbers as attributes (data-agency, data-month,
 * data-count) and its height is count * KYSO_HTML_BAR_MAX / largest count,
 * so a reader of the rendered page (tests/integration/t-report-db.sh, in
 * headless Chromium) can check what is drawn against the records. Every
 * string from a journal or a database is escaped twice: the journal's
 * escapes (no control or bidi character), then HTML's. Never logs.
 */
#include <string.h>

#include <glib.h>

#include "report_int.h"

/* Tallest bar, in SVG user units (pixels). */
#define KYSO_HTML_BAR_MAX 160
#define BAR_STEP          56 /* a bar and the gap after it */
#define BAR_WIDTH         36
#define CHART_LEFT        40
#define CHART_TOP         24

/* Append raw journal text, journal-escaped and cut at cap, as HTML. */
static void
put_text(GString *out, const char *raw, size_t cap)
{
	char *s = kyso_report_shown(raw, cap);
	const char *p;

	for (p = s; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&#39;");
			break;
		default:
			g_string_append_c(out, *p);
		}
	}
	g_free(s);
}

static const char *
agency_or_none(const char *a)
{
	return a[0] != '\0' ? a : "(không có chứng thư)";
}

static void
day_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		(void)g_strlcpy(buf, "?", len);
}

static void
put_head(GString *out)
{
	g_string_append(out,
	    "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<title>Báo cáo sử dụng chứng thư số và chữ ký số</title>\n"
	    "<style>\n"
	    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;"
	    "color:#222}\n"
	    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}\n"
	    "table{border-collapse:collapse;margin:.5em 0}\n"
	    "th,td{border:1px solid #999;padding:.2em .6em}\n"
	    "td.n{text-align:right}th{background:#eee}\n"
	    "section.agency{display:inline-block;vertical-align:top;"
	    "margin:0 1.5em 1em 0}\n"
	    "rect.bar{fill:#2a6ebb}.warn{color:#b00;font-weight:bold}\n"
	    "</style>\n</head>\n<body>\n"
	    "<h1>Báo cáo sử dụng chứng thư số và chữ ký số</h1>\n");
}

/* The period (as asked, else the records' first and last day) and the
 * servers whose records were counted. */
static void
put_heading(GString *out, const struct kyso_report *r, time_t now)
{
	GPtrArray *hosts = kyso_report_hosts(r);
	char a[32] = "?", b[32] = "?", when[32];
	time_t first = 0, last = 0;
	guint i;

	(void)kyso_report_span(r, &first, &last);
	if (r->from != 0 || r->records > 0)
		day_text(r->from != 0 ? r->from : first, a, sizeof(a));
	if (r->until != 0 || r->records > 0)
		day_text(r->until != 0 ? r->until - 1 : last, b, sizeof(b));
	kyso_report_time_text(now, when, sizeof(when));
	g_string_append_printf(out,
	    "<p id=\"ky\">Kỳ báo cáo: từ <span id=\"tu-ngay\">%s</span> "
	    "đến <span id=\"den-ngay\">%s</span> (giờ UTC); lập lúc %s "
	    "UTC.</p>\n<p id=\"may-chu\">Máy chủ:",
	    a, b, when);
	for (i = 0; i < hosts->len; i++) {
		const char *h = g_ptr_array_index(hosts, i);

		g_string_append_printf(out,
		    "%s <span class=\"server\" data-records=\"%zu\">",
		    i > 0 ? "," : "", kyso_report_host_records(r, h));
		put_text(out, h[0] != '\0' ? h : "(không tên, KJ1)", 64);
		g_string_append_printf(out, "</span> (%zu bản ghi)",
		    kyso_report_host_records(r, h));
	}
	if (hosts->len == 0)
		g_string_append(out, " (không có bản ghi)");
	g_string_append_printf(out,
	    ".</p>\n<p id=\"tong\">Tổng số: <b id=\"so-thu\">%zu</b> thư; "
	    "<span id=\"so-dong-hong\">%zu</span> dòng nhật ký không đọc "
	    "được.</p>\n",
	    r->records, r->bad);
	g_ptr_array_free(hosts, TRUE);
}

/* Months and agencies of the outbound rows, sorted and distinct
 * (borrowed from rows). */
static void
axes(const GPtrArray *rows, GPtrArray *months, GPtrArray *agencies)
{
	GHashTable *seen =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint i;

	for (i = 0; i < rows->len; i++) {
		const struct kyso_report_row *w = g_ptr_array_index(rows, i);

		if (g_hash_table_add(seen, g_strconcat("m", w->month, NULL)))
			g_ptr_array_add(months, w->month);
		if (g_hash_table_add(seen, g_strconcat("a", w->agency, NULL)))
			g_ptr_array_add(agencies, w->agency);
	}
	g_hash_table_destroy(seen);
	g_ptr_array_sort(months, kyso_report_cmp_str);
	g_ptr_array_sort(agencies, kyso_report_cmp_str);
}

/* Signatures (signed + sealed) of one agency in one month. */
static size_t
signatures(const GPtrArray *rows, const char *month, const char *agency)
{
	guint i;

	for (i = 0; i < rows->len; i++) {
		const struct kyso_report_row *w = g_ptr_array_index(rows, i);

		if (strcmp(w->month, month) == 0 &&
		    strcmp(w->agency, agency) == 0)
			return w->n[0] + w->n[1]; /* signed, sealed */
	}
	return 0;
}

static void
put_chart(GString *out, const GPtrArray *rows, const GPtrArray *months,
    const char *agency, size_t max)
{
	guint i;
	unsigned width = CHART_LEFT + months->len * BAR_STEP + 8;
	unsigned height = CHART_TOP + KYSO_HTML_BAR_MAX + 28;

	g_string_append(out, "<section class=\"agency\" data-agency=\"");
	put_text(out, agency, 64);
	g_string_append(out, "\">\n<h3>Cơ quan: ");
	put_text(out, agency_or_none(agency), 64);
	g_string_append_printf(out,
	    "</h3>\n<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%u\" height=\"%u\" role=\"img\">\n"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%u\" y2=\"%d\" stroke=\"#444\"/>\n",
	    width, height, CHART_LEFT - 4, CHART_TOP + KYSO_HTML_BAR_MAX,
	    width - 4, CHART_TOP + KYSO_HTML_BAR_MAX);
	for (i = 0; i < months->len; i++) {
		const char *m = g_ptr_array_index(months, i);
		size_t n = signatures(rows, m, agency);
		double h =
		    max > 0 ? (double)n * KYSO_HTML_BAR_MAX / (double)max : 0.0;
		unsigned x = CHART_LEFT + i * BAR_STEP;

		g_string_append_printf(out,
		    "<rect class=\"bar\" data-month=\"%s\" data-count=\"%zu\" "
		    "x=\"%u\" y=\"%.2f\" width=\"%d\" height=\"%.2f\">"
		    "<title>%s: %zu</title></rect>\n"
		    "<text class=\"value\" x=\"%u\" y=\"%.2f\" "
		    "text-anchor=\"middle\" font-size=\"12\">%zu</text>\n"
		    "<text class=\"month\" x=\"%u\" y=\"%d\" "
		    "text-anchor=\"middle\" font-size=\"11\">%s</text>\n",
		    m, n, x, CHART_TOP + KYSO_HTML_BAR_MAX - h, BAR_WIDTH, h, m,
		    n, x + BAR_WIDTH / 2, CHART_TOP + KYSO_HTML_BAR_MAX - h - 4,
		    n, x + BAR_WIDTH / 2, CHART_TOP + KYSO_HTML_BAR_MAX + 16,
		    m);
	}
	g_string_append(out, "</svg>\n</section>\n");
}

static void
put_charts(GString *out, const struct kyso_report *r)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(kyso_report_row_free);
	GPtrArray *months = g_ptr_array_new();
	GPtrArray *agencies = g_ptr_array_new();
	size_t max = 0, n;
	guint i, k;

	kyso_report_rows(r, "out", kyso_report_out_cols, rows);
	axes(rows, months, agencies);
	for (i = 0; i < agencies->len; i++)
		for (k = 0; k < months->len; k++) {
			n = signatures(rows, g_ptr_array_index(months, k),
			    g_ptr_array_index(agencies, i));
			if (n > max)
				max = n;
		}
	g_string_append_printf(out,
	    "<h2>Số thư được ký theo cơ quan và tháng</h2>\n"
	    "<p>Mỗi cột: số thư gửi đi được ký bằng chứng thư số của cơ "
	    "quan trong tháng (ký số, kể cả thư đã có chữ ký cá nhân được "
	    "đóng dấu cơ quan). Cột cao nhất: <span id=\"cot-cao-nhat\">"
	    "%zu</span> thư.</p>\n<div id=\"bieu-do\" data-max=\"%zu\" "
	    "data-bar-max=\"%d\">\n",
	    max, max, KYSO_HTML_BAR_MAX);
	for (i = 0; i < agencies->len; i++)
		put_chart(out, rows, months, g_ptr_array_index(agencies, i),
		    max);
	if (agencies->len == 0)
		g_string_append(out, "<p>(không có thư gửi đi)</p>\n");
	g_string_append(out, "</div>\n");
	g_ptr_array_free(agencies, TRUE);
	g_ptr_array_free(months, TRUE);
	g_ptr_array_free(rows, TRUE);
}

static const char *const out_heads_vi[] = {"Đã ký", "Ký cá nhân + đóng dấu",
    "Không ký", "Tài liệu mật", "Chứng thư hết hạn", "Từ chối", "Lỗi", NULL};
static const char *const in_heads_vi[] = {"Hợp lệ", "Sai chữ ký",
    "Trái chính sách", "Không kết luận", "Lỗi tạm thời", "Lỗi cố định",
    "Không có chữ ký", NULL};

static void
put_table(GString *out, const struct kyso_report *r, const char *dir,
    const char *const *cols, const char *const *heads, const char *id)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(kyso_report_row_free);
	int with_agency = strcmp(dir, "out") == 0;
	guint i;
	size_t c;

	kyso_report_rows(r, dir, cols, rows);
	g_string_append_printf(out, "<table id=\"%s\">\n<tr><th>Tháng</th>",
	    id);
	if (with_agency)
		g_string_append(out, "<th>Cơ quan</th>");
	for (c = 0; heads[c] != NULL; c++)
		g_string_append_printf(out, "<th data-result=\"%s\">%s</th>",
		    cols[c], heads[c]);
	g_string_append(out, "<th>Khác</th><th>Tổng</th></tr>\n");
	for (i = 0; i < rows->len; i++) {
		const struct kyso_report_row *w = g_ptr_array_index(rows, i);

		g_string_append_printf(out, "<tr><td>%s</td>", w->month);
		if (with_agency) {
			g_string_append(out, "<td>");
			put_text(out, agency_or_none(w->agency), 64);
			g_string_append(out, "</td>");
		}
		for (c = 0; heads[c] != NULL; c++)
			g_string_append_printf(out, "<td class=\"n\">%zu</td>",
			    w->n[c]);
		g_string_append_printf(out,
		    "<td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
		    w->other, w->total);
	}
	g_string_append(out, "</table>\n");
	if (rows->len == 0)
		g_string_append(out, "<p>(không có thư)</p>\n");
	g_ptr_array_free(rows, TRUE);
}

static gint
cmp_use(gconstpointer a, gconstpointer b)
{
	const struct kyso_report_cert_use *x =
	    *(const struct kyso_report_cert_use *const *)a;
	const struct kyso_report_cert_use *y =
	    *(const struct kyso_report_cert_use *const *)b;
	int c = strcmp(x->cert_id, y->cert_id);

	return c != 0 ? c : strcmp(x->serial, y->serial);
}

/* The certificates the counted records were signed with. */
static void
put_used(GString *out, const struct kyso_report *r)
{
	GPtrArray *uses = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;
	char when[32];
	guint i;

	g_hash_table_iter_init(&it, r->certs);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(uses, v);
	g_ptr_array_sort(uses, cmp_use);
	g_string_append(out,
	    "<h2>Chứng thư số đã dùng để ký</h2>\n<table "
	    "id=\"chung-thu-dung\">\n"
	    "<tr><th>Mã chứng thư</th><th>Số hiệu</th><th>Tổ chức cấp</th>"
	    "<th>Số thư đã ký</th><th>Lần ký cuối (UTC)</th></tr>\n");
	for (i = 0; i < uses->len; i++) {
		const struct kyso_report_cert_use *u =
		    g_ptr_array_index(uses, i);

		kyso_report_time_text(u->last, when, sizeof(when));
		g_string_append(out, "<tr><td>");
		put_text(out, agency_or_none(u->cert_id), 64);
		g_string_append(out, "</td><td>");
		put_text(out, u->serial, KYSO_JOURNAL_MAX_SERIAL);
		g_string_append(out, "</td><td>");
		put_text(out, u->issuer, KYSO_JOURNAL_MAX_ISSUER);
		g_string_append_printf(out,
		    "</td><td class=\"n\">%zu</td><td>%s</td></tr>\n",
		    u->signatures, when);
	}
	g_string_append(out, "</table>\n");
	g_ptr_array_free(uses, TRUE);
}

/* Signatures on each agency's mail by kind: seals, officials' own. */
static void
put_kinds(GString *out, const struct kyso_report *r)
{
	GPtrArray *a = kyso_report_kind_agencies(r);
	guint i;

	g_string_append(out,
	    "<h2>Chữ ký số trên thư gửi đi theo loại</h2>\n"
	    "<table id=\"chu-ky-theo-loai\">\n<tr><th>Cơ quan</th>"
	    "<th>Chữ ký số cơ quan (con dấu)</th><th>Chữ ký số cá nhân</th>"
	    "<th>Khác</th></tr>\n");
	for (i = 0; i < a->len; i++) {
		const char *id = g_ptr_array_index(a, i);
		const struct kyso_report_kinds *k =
		    g_hash_table_lookup(r->kinds, id);

		g_string_append(out, "<tr><td>");
		put_text(out, agency_or_none(id), 64);
		g_string_append_printf(out,
		    "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
		    "<td class=\"n\">%zu</td></tr>\n",
		    k->agency, k->personal, k->other);
	}
	g_string_append(out, "</table>\n");
	g_ptr_array_free(a, TRUE);
}

static const char *
status_vi(const char *status)
{
	if (strcmp(status, "EXPIRED") == 0)
		return "ĐÃ HẾT HẠN";
	if (strcmp(status, "NOT YET VALID") == 0)
		return "CHƯA CÓ HIỆU LỰC";
	if (strcmp(status, "EXPIRES SOON") == 0)
		return "SẮP HẾT HẠN";
	return "còn hiệu lực";
}

static void
put_certs(GString *out, const GPtrArray *certs, int warn_days)
{
	char when[32];
	guint i;

	g_string_append_printf(out,
	    "<h2>Chứng thư số của máy chủ (cảnh báo trước %d ngày)</h2>\n"
	    "<table id=\"chung-thu\">\n<tr><th>Mã</th><th>Số hiệu</th>"
	    "<th>Hết hạn (UTC)</th><th>Còn lại (ngày)</th><th>Trạng thái</th>"
	    "<th>Tuổi mã PIN (ngày)</th><th>Chủ thể</th></tr>\n",
	    warn_days);
	for (i = 0; i < certs->len; i++) {
		const struct kyso_report_cert *c = g_ptr_array_index(certs, i);
		int ok = strcmp(c->status, "ok") == 0;

		kyso_report_time_text(c->not_after, when, sizeof(when));
		g_string_append(out, "<tr><td>");
		put_text(out, c->id, 64);
		g_string_append(out, "</td><td>");
		put_text(out, c->serial, KYSO_JOURNAL_MAX_SERIAL);
		g_string_append_printf(out,
		    "</td><td>%s</td><td class=\"n\">%ld</td>"
		    "<td data-status=\"%s\"%s>%s</td><td class=\"n\">",
		    when, c->days_left, c->status, ok ? "" : " class=\"warn\"",
		    status_vi(c->status));
		if (c->pin_age_days >= 0)
			g_string_append_printf(out, "%ld", c->pin_age_days);
		else
			g_string_append(out, "không rõ");
		g_string_append(out, "</td><td>");
		put_text(out, c->subject, KYSO_JOURNAL_MAX_ISSUER);
		g_string_append(out, "</td></tr>\n");
	}
	g_string_append(out, "</table>\n");
}

char *
kyso_report_html(const struct kyso_report *r, const GPtrArray *certs,
    time_t now, int warn_days)
{
	GString *out = g_string_new(NULL);

	put_head(out);
	put_heading(out, r, now);
	put_charts(out, r);
	g_string_append(out, "<h2>Thư gửi đi theo tháng và cơ quan</h2>\n");
	put_table(out, r, "out", kyso_report_out_cols, out_heads_vi,
	    "bang-gui");
	g_string_append(out, "<h2>Kết quả kiểm tra chữ ký thư đến</h2>\n");
	put_table(out, r, "in", kyso_report_in_cols, in_heads_vi, "bang-den");
	put_kinds(out, r);
	put_used(out, r);
	if (certs != NULL)
		put_certs(out, certs, warn_days);
	g_string_append(out, "</body>\n</html>\n");
	return g_string_free(out, FALSE);
}
