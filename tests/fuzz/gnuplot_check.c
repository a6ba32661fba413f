/* gnuplot, as the plot fuzz target has it on its PATH: checks that the scripts boxbench runs
 * hold what came from a result file (names, context fields, file names) only as data, inside
 * string literals that end on their own line, with nothing that runs a command; then writes
 * the SVG the script asks for, so that plot goes on. On a violation it writes why to the file
 * $BBFZ_GNUPLOT_REPORT and exits 97. Takes gnuplot's "FILE", "-e CMD" and a script on stdin. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *script_name;
static char output[4096];

static void __attribute__((noreturn, format(printf, 2, 3)))
violation(const char *script, const char *fmt, ...)
{
	const char *report = getenv("BBFZ_GNUPLOT_REPORT");
	FILE *f = report ? fopen(report, "a") : stderr;
	va_list ap;

	if (!f)
		f = stderr;
	fprintf(f, "gnuplot script %s: ", script_name);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\n--- script\n%.4000s\n", script);
	exit(97);
}

/* Words that read files, run commands or change what later commands do. */
static const char *const denied[] = { "system",	 "load",   "call",   "shell",  "cd",   "save",
				      "print",	 "eval",   "pause",  "reread", "exit", "quit",
				      "history", "import", "replot", "fit",    "bind", "toggle" };

static void check_word(const char *script, const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (strlen(denied[i]) == n && !strncmp(w, denied[i], n))
			violation(script, "'%.*s' outside a string literal", (int)n, w);
}

/* Walks the script as gnuplot's scanner does: comments, '...' ('' is a quote), "..." (with
 * backslash escapes and backquote substitution), line continuations. */
static void check(const char *s)
{
	bool cmd_start = true, after_plot = false, in_plot = false;
	int depth = 0;
	const char *last_word = NULL, *set_output = NULL;
	size_t last_len = 0;

	for (const char *p = s; *p;) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			const char *start = ++p;
			char buf[4096];
			size_t bl = 0;

			for (;; p++) {
				if (!*p || *p == '\n')
					violation(s, "a line ends inside a string literal: %.80s",
						  start - 1);
				if (q == '"' && *p == '`')
					violation(s,
						  "a backquote (command substitution) in a "
						  "double-quoted string: %.80s",
						  start - 1);
				if (q == '"' && *p == '\\' && p[1]) {
					p++;
				} else if (*p == q) {
					if (q == '\'' && p[1] == '\'') {
						p++;
					} else {
						break;
					}
				}
				if (bl < sizeof(buf) - 1)
					buf[bl++] = *p;
			}
			buf[bl] = '\0';
			p++;
			if (after_plot && buf[0] == '<')
				violation(s, "a data file '%.80s': gnuplot runs what follows '<'",
					  buf);
			if (set_output && !*output)
				snprintf(output, sizeof(output), "%s", buf);
			set_output = NULL;
			after_plot = false;
			cmd_start = false;
			continue;
		}
		if (*p == '\\' && p[1] == '\n') {
			p += 2;
			continue;
		}
		if (*p == '#') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (*p == '\n' || *p == ';') {
			cmd_start = true, in_plot = after_plot = false, depth = 0;
			p++;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '`')
			violation(s, "a backquote (command substitution) outside a string");
		if (*p == '@')
			violation(s, "'@' (macro substitution) outside a string");
		if (cmd_start && *p == '!')
			violation(s, "'!' (a shell command) at the start of a command");
		if (isalpha((unsigned char)*p) || *p == '_') {
			const char *w = p;

			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			check_word(s, w, (size_t)(p - w));
			if (cmd_start && (p - w == 4 && !strncmp(w, "plot", 4)))
				in_plot = after_plot = true;
			else
				after_plot = false;
			if (last_word && last_len == 3 && !strncmp(last_word, "set", 3) &&
			    p - w == 6 && !strncmp(w, "output", 6))
				set_output = w;
			last_word = w, last_len = (size_t)(p - w);
			cmd_start = false;
			continue;
		}
		if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if ((*p == ')' || *p == ']' || *p == '}') && depth)
			depth--;
		else if (*p == ',' && in_plot && !depth)
			after_plot = true;
		cmd_start = false;
		p++;
	}
}

static char *slurp(FILE *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int c;

	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	return buf;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc || argc == 1; i++) {
		FILE *f = argc == 1 ? stdin : NULL;
		char *text;

		if (argc > 1 && !strcmp(argv[i], "-e") && i + 1 < argc) {
			script_name = "-e";
			check(argv[++i]);
			continue;
		}
		script_name = argc == 1 ? "(stdin)" : argv[i];
		if (!f && !(f = fopen(argv[i], "r"))) {
			fprintf(stderr, "gnuplot (fuzz stand-in): cannot read %s\n", argv[i]);
			return 2;
		}
		text = slurp(f);
		check(text ? text : "");
		free(text);
		if (f != stdin)
			fclose(f);
		if (argc == 1)
			break;
	}
	if (*output) {
		FILE *svg = fopen(output, "w");

		if (!svg || fputs("<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n", svg) < 0 ||
		    fclose(svg))
			return 1;
	}
	return 0;
}
