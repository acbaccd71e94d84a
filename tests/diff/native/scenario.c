/* scenario.c - native side of MMU Lab's differential test (tests/diff).
 *
 * Runs named mm scenarios on the real kernel and prints, after every `snap`
 * step, one JSON line per process, region and page with what
 * /proc/self/pagemap says about that page. tests/diff/diff.test.ts runs the
 * same scenarios in the lab and compares the two.
 *
 * usage: scenario                 run every built-in scenario
 *        scenario NAME...         run the named built-in scenarios
 *        scenario --list          print the built-in scenarios, run nothing
 *        scenario --script NAME 'STEP; STEP; ...'   run an ad-hoc scenario
 *
 * Steps (separated by ';'). Regions and files are named by one word; pages
 * are 0-based indexes into the region; RANGE is N, A-B (inclusive), `all`, or
 * a comma list of those.
 *   file F N                  a tmpfs file (memfd) of N pages, page i filled
 *                             with the byte 0x40 + i, all in the page cache
 *   map R N anon              mmap N pages MAP_PRIVATE|MAP_ANONYMOUS
 *   map R N file F private|shared   mmap N pages of file F from offset 0
 *                             (every mapping is PROT_READ|PROT_WRITE, starts
 *                             on a 2 MiB boundary and gets MADV_NOHUGEPAGE)
 *   r R RANGE / w R RANGE     read / write one byte of each page (a write
 *                             stores a per-process counter, 1, 2, ...)
 *   dontneed R RANGE          madvise(MADV_DONTNEED) per maximal run
 *   munmap R RANGE            munmap per maximal run
 *   fork                      fork one child (file and map only before it)
 *   c:STEP / p:STEP           run STEP in the child / the parent (no prefix:
 *                             the parent). The child runs its steps itself.
 *   exit                      the child exits; the parent reaps it
 *   snap LABEL                every live process reports its pagemap; the
 *                             child reports its own through a pipe
 *
 * Output (JSON Lines on stdout):
 *   {"type":"meta", ...}      once: kernel, whether PFNs are visible, the
 *                             zero page's pfn, the THP settings, the CPU
 *   {"type":"scenario","name":N,"script":S}
 *   {"type":"page","scenario":N,"snap":L,"proc":"parent"|"child","region":R,
 *    "page":i,"present":0|1,"exclusive":0|1,"file":0|1,"pfn":n,"zero":0|1|null,
 *    "large":0|1|null}
 *       present = bit 63, exclusive = bit 56 (PM_MMAP_EXCLUSIVE), file = bit 61
 *       (file page or shared anon), pfn = bits 0-54 (0 unless root), zero =
 *       pfn is the zero page's (null when pfns are hidden), large = the page is
 *       part of a compound page (THP / large folio; null without kpageflags)
 *   {"type":"event","scenario":N,"proc":P,"step":S,"page":i,"signal":"SIGSEGV"}
 *   {"type":"event","scenario":N,"proc":P,"step":S,"error":"EINVAL"}
 *   {"type":"end","scenario":N}
 * Errors in the harness itself go to stderr with exit status 1; an unreadable
 * /proc/self/pagemap is exit status 2.
 *
 * The whole program pins itself to the CPU it starts on, so that the per-CPU
 * LRU caches that hold extra page references are always the local ones
 * (6.x's COW reuse test drains only the local cache).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL
#define PMD_SIZE (2UL << 20)
#define MAXREG 8
#define MAXFILE 4
#define MAXPAGES 512
#define MAXTOK 8

#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP 22
#define KPF_ZERO_PAGE 24

/* ---------- the built-in scenarios (tests/diff/scenarios.ts mirrors them) ---------- */
static const struct scen { const char *name, *script; } builtin[] = {
	{ "a-anon-zero-dontneed",
	  "map A 16 anon; w A 0-3,8-11; r A 4-7,12-15; snap written; dontneed A 2-13; "
	  "snap dontneed; r A 2-5; w A 12; snap end" },
	{ "b-fork-cow",
	  "map A 16 anon; w A 0-11; r A 12-13; fork; snap forked; c:w A 0-5; c:w A 12; "
	  "p:w A 4-7; p:r A 14; snap end; exit; w A 8; snap child-exited" },
	{ "c-fork-munmap",
	  "map A 16 anon; w A 0-15; fork; munmap A 4-11; snap unmapped; c:w A 0-1,6-7,14; "
	  "snap end" },
	{ "d-file-private-cow",
	  "file F 16; map P 16 file F private; map S 16 file F shared; r P all; r S all; "
	  "w P 2-5; snap cow; dontneed P 3; snap dontneed; r P 3; snap end" },
	{ "e-file-shared-fork",
	  "file F 8; map S 8 file F shared; w S 0-1; fork; c:w S 0,2-5; p:w S 4-7; snap end; "
	  "exit; snap child-exited" },
	{ "f-fork-zero-only",
	  "map A 8 anon; r A 0-7; fork; snap forked; c:r A 0-3; c:w A 4; p:w A 5; snap end" },
	{ "g-file-fault-around",
	  "file F 16; map P 16 file F private; r P 5; w P 9; fork; c:w P 9,12; snap end" },
};
#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

/* ---------- state of one scenario run ---------- */
enum kind { K_ANON, K_PRIVATE, K_SHARED };

struct region { char name[16]; char *base; size_t npages; enum kind kind; int file; };
struct file { char name[16]; int fd; size_t npages; };

static struct region reg[MAXREG];
static int nreg;
static struct file files[MAXFILE];
static int nfiles;
static const char *scen_name;
static int forked, is_child, child_alive;
static pid_t child;
static int cmd_w, rep_r, cmd_r, rep_w;
static unsigned char counter = 1;

/* facts learnt once at start */
static int pfn_visible, kpf_fd = -1;
static uint64_t zero_pfn;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "scenario: %s%s", scen_name ? scen_name : "", scen_name ? ": " : "");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errno) fprintf(stderr, " (%s)", strerror(errno));
	fputc('\n', stderr);
	exit(1);
}

/* Write s to f as a JSON string literal. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
		else if (c < 0x20) fprintf(f, "\\u%04x", c);
		else fputc(c, f);
	}
	fputc('"', f);
}

static const char *proc_name(void) { return is_child ? "child" : "parent"; }

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	default: return "EOTHER";
	}
}

/* ---------- pagemap ---------- */

/* Read the pagemap entries of n pages from addr of the calling process.
 * Returns 0, or -1 with errno set. */
static int read_pagemap(const char *addr, size_t n, uint64_t *out)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) return -1;
	ssize_t want = (ssize_t)(n * 8);
	ssize_t got = pread(fd, out, (size_t)want, (off_t)((uintptr_t)addr / PG * 8));
	int e = errno;
	close(fd);
	if (got != want) { errno = got < 0 ? e : EIO; return -1; }
	return 0;
}

/* kpageflags of pfn, or -1 when unknown */
static int64_t kpageflags(uint64_t pfn)
{
	uint64_t x;
	if (kpf_fd < 0 || !pfn || pread(kpf_fd, &x, 8, (off_t)(pfn * 8)) != 8) return -1;
	return (int64_t)x;
}

/* Print one JSON line per page of every region of the calling process. */
static void dump(FILE *out, const char *label)
{
	static uint64_t e[MAXPAGES];
	for (int r = 0; r < nreg; r++) {
		struct region *g = &reg[r];
		if (read_pagemap(g->base, g->npages, e)) die("read /proc/self/pagemap");
		for (size_t i = 0; i < g->npages; i++) {
			uint64_t v = e[i], pfn = v & ((1ULL << 55) - 1);
			int present = (int)(v >> 63 & 1);
			int64_t kf = present ? kpageflags(pfn) : -1;
			fprintf(out, "{\"type\":\"page\",\"scenario\":");
			json_str(out, scen_name);
			fprintf(out, ",\"snap\":");
			json_str(out, label);
			fprintf(out, ",\"proc\":\"%s\",\"region\":", proc_name());
			json_str(out, g->name);
			fprintf(out, ",\"page\":%zu,\"present\":%d,\"exclusive\":%d,\"file\":%d,\"pfn\":%llu,",
				i, present, (int)(v >> 56 & 1), (int)(v >> 61 & 1),
				(unsigned long long)(present ? pfn : 0));
			if (!pfn_visible) fprintf(out, "\"zero\":null,");
			else fprintf(out, "\"zero\":%d,", present && pfn == zero_pfn);
			if (!present) fprintf(out, "\"large\":0}\n");
			else if (kf < 0) fprintf(out, "\"large\":null}\n");
			else fprintf(out, "\"large\":%d}\n",
				     (int)((kf >> KPF_COMPOUND_HEAD | kf >> KPF_COMPOUND_TAIL | kf >> KPF_THP) & 1));
		}
	}
}

/* ---------- ranges ---------- */

/* Parse RANGE for a region of n pages into sel[0..n). Returns 0 or -1. */
static int parse_range(const char *s, size_t n, unsigned char *sel)
{
	char buf[256];
	memset(sel, 0, n);
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long a, b;
		if (!strcmp(t, "all")) a = 0, b = (long)n - 1;
		else {
			char *end;
			a = b = strtol(t, &end, 10);
			if (end == t) return -1;
			if (*end == '-') b = strtol(end + 1, &end, 10);
			if (*end) return -1;
		}
		if (a < 0 || b >= (long)n || a > b) return -1;
		for (long i = a; i <= b; i++) sel[i] = 1;
	}
	return 0;
}

/* ---------- touching, with SIGSEGV/SIGBUS caught ---------- */
static sigjmp_buf jb;
static volatile sig_atomic_t sigcaught;

static void on_sig(int s)
{
	sigcaught = s;
	siglongjmp(jb, 1);
}

static void event_head(FILE *out, const char *step)
{
	fprintf(out, "{\"type\":\"event\",\"scenario\":");
	json_str(out, scen_name);
	fprintf(out, ",\"proc\":\"%s\",\"step\":", proc_name());
	json_str(out, step);
}

static void touch(FILE *out, const char *step, struct region *g, const unsigned char *sel, int write)
{
	for (volatile size_t i = 0; i < g->npages; i++) {
		if (!sel[i]) continue;
		volatile char *p = g->base + i * PG;
		if (sigsetjmp(jb, 1) == 0) {
			if (write) *p = (char)counter++;
			else (void)*p;
		} else {
			event_head(out, step);
			fprintf(out, ",\"page\":%zu,\"signal\":\"%s\"}\n", (size_t)i,
				sigcaught == SIGSEGV ? "SIGSEGV" : sigcaught == SIGBUS ? "SIGBUS" : "signal");
		}
	}
}

/* Apply madvise(DONTNEED) or munmap to each maximal run of selected pages;
 * report a failure as an event. */
static void per_run(FILE *out, const char *step, struct region *g, const unsigned char *sel, int unmap)
{
	for (size_t i = 0; i < g->npages;) {
		if (!sel[i]) { i++; continue; }
		size_t j = i;
		while (j < g->npages && sel[j]) j++;
		char *p = g->base + i * PG;
		size_t len = (j - i) * PG;
		if (unmap ? munmap(p, len) : madvise(p, len, MADV_DONTNEED)) {
			event_head(out, step);
			fprintf(out, ",\"error\":\"%s\"}\n", errno_name(errno));
		}
		i = j;
	}
}

/* ---------- setting up files and mappings ---------- */

static struct file *find_file(const char *name)
{
	for (int i = 0; i < nfiles; i++)
		if (!strcmp(files[i].name, name)) return &files[i];
	return NULL;
}

static struct region *find_region(const char *name)
{
	for (int i = 0; i < nreg; i++)
		if (!strcmp(reg[i].name, name)) return &reg[i];
	return NULL;
}

/* A tmpfs file of n pages, page i filled with 0x40 + i. memfd, or an
 * unlinked /dev/shm file where memfd_create is missing. */
static void make_file(const char *name, size_t n)
{
	if (nfiles == MAXFILE || find_file(name) || !n || n > MAXPAGES) die("bad file step for %s", name);
	int fd = memfd_create("mmu-lab-diff", MFD_CLOEXEC);
	if (fd < 0) {
		char path[96];
		snprintf(path, sizeof(path), "/dev/shm/mmu-lab-diff.%d", getpid());
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) die("open %s", path);
		unlink(path);
	}
	static char buf[PG];
	for (size_t i = 0; i < n; i++) {
		memset(buf, 0x40 + (int)i, PG);
		if (pwrite(fd, buf, PG, (off_t)(i * PG)) != (ssize_t)PG) die("pwrite %s", name);
	}
	struct file *f = &files[nfiles++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->fd = fd;
	f->npages = n;
}

/* mmap n pages at a 2 MiB-aligned address (so a fault-around window never
 * depends on where the kernel happened to place the mapping) and turn THP off. */
static char *map_aligned(size_t n, int flags, int fd)
{
	size_t len = n * PG;
	char *res = mmap(NULL, len + PMD_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED) die("mmap reservation");
	char *p = (char *)(((uintptr_t)res + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	if (mmap(p, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0) == MAP_FAILED) die("mmap");
	if (p > res && munmap(res, (size_t)(p - res))) die("munmap slack");
	char *end = res + len + PMD_SIZE;
	if (p + len < end && munmap(p + len, (size_t)(end - (p + len)))) die("munmap slack");
	if (madvise(p, len, MADV_NOHUGEPAGE)) die("madvise(MADV_NOHUGEPAGE)");
	return p;
}

static void make_region(char **tok, int nt)
{
	if (nt < 4 || nreg == MAXREG || find_region(tok[1])) die("bad map step");
	size_t n = strtoul(tok[2], NULL, 10);
	if (!n || n > MAXPAGES) die("map %s: bad page count", tok[1]);
	struct region *g = &reg[nreg];
	snprintf(g->name, sizeof(g->name), "%s", tok[1]);
	g->npages = n;
	g->file = -1;
	if (!strcmp(tok[3], "anon") && nt == 4) {
		g->kind = K_ANON;
		g->base = map_aligned(n, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	} else if (!strcmp(tok[3], "file") && nt == 6) {
		struct file *f = find_file(tok[4]);
		if (!f || n > f->npages) die("map %s: no file %s of %zu pages", tok[1], tok[4], n);
		if (!strcmp(tok[5], "private")) g->kind = K_PRIVATE;
		else if (!strcmp(tok[5], "shared")) g->kind = K_SHARED;
		else die("map %s: private or shared?", tok[1]);
		g->file = (int)(f - files);
		g->base = map_aligned(n, g->kind == K_SHARED ? MAP_SHARED : MAP_PRIVATE, f->fd);
	} else die("map %s: bad kind", tok[1]);
	nreg++;
}

/* ---------- steps ---------- */

static int split(char *s, char **tok)
{
	int n = 0;
	for (char *save, *t = strtok_r(s, " \t", &save); t && n < MAXTOK; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

/* Run one touch/madvise/munmap step in the calling process; events to out. */
static void exec_local(const char *step, FILE *out)
{
	char buf[256], *tok[MAXTOK];
	static unsigned char sel[MAXPAGES];
	snprintf(buf, sizeof(buf), "%s", step);
	int nt = split(buf, tok);
	if (nt != 3) die("bad step '%s'", step);
	struct region *g = find_region(tok[1]);
	if (!g || parse_range(tok[2], g->npages, sel)) die("bad region or range in '%s'", step);
	if (!strcmp(tok[0], "r")) touch(out, step, g, sel, 0);
	else if (!strcmp(tok[0], "w")) touch(out, step, g, sel, 1);
	else if (!strcmp(tok[0], "dontneed")) per_run(out, step, g, sel, 0);
	else if (!strcmp(tok[0], "munmap")) per_run(out, step, g, sel, 1);
	else die("unknown step '%s'", step);
}

/* ---------- parent <-> child ---------- */

static void xwrite(int fd, const void *p, size_t n)
{
	for (const char *c = p; n;) {
		ssize_t w = write(fd, c, n);
		if (w <= 0) die("pipe write");
		c += w;
		n -= (size_t)w;
	}
}

static void xread(int fd, void *p, size_t n)
{
	for (char *c = p; n;) {
		ssize_t r = read(fd, c, n);
		if (r <= 0) die("pipe read (did the child die?)");
		c += r;
		n -= (size_t)r;
	}
}

static void send_msg(int fd, const char *s, size_t n)
{
	uint32_t len = (uint32_t)n;
	xwrite(fd, &len, 4);
	xwrite(fd, s, n);
}

static char *recv_msg(int fd)
{
	uint32_t len;
	xread(fd, &len, 4);
	char *s = malloc(len + 1);
	if (!s) die("malloc");
	xread(fd, s, len);
	s[len] = 0;
	return s;
}

/* The child: run steps sent by the parent; reply with the JSON lines they
 * produced (events, or its own pagemap for "snap LABEL"). */
static void child_loop(void)
{
	for (;;) {
		char *step = recv_msg(cmd_r);
		if (!strcmp(step, "exit")) _exit(0);
		char *text = NULL;
		size_t n = 0;
		FILE *out = open_memstream(&text, &n);
		if (!out) die("open_memstream");
		if (!strncmp(step, "snap ", 5)) dump(out, step + 5);
		else exec_local(step, out);
		fclose(out);
		send_msg(rep_w, text, n);
		free(text);
		free(step);
	}
}

/* Have the child run a step, and print what it reports. */
static void to_child(const char *step)
{
	if (!child_alive) die("step 'c:%s' with no child", step);
	send_msg(cmd_w, step, strlen(step));
	char *text = recv_msg(rep_r);
	fputs(text, stdout);
	free(text);
}

static void do_fork(void)
{
	int a[2], b[2];
	if (forked) die("only one fork per scenario");
	if (pipe(a) || pipe(b)) die("pipe");
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) die("fork");
	forked = 1;
	if (p == 0) {
		is_child = 1;
		cmd_r = a[0];
		rep_w = b[1];
		close(a[1]);
		close(b[0]);
		child_loop();
	}
	child = p;
	child_alive = 1;
	cmd_w = a[1];
	rep_r = b[0];
	close(a[0]);
	close(b[1]);
}

static void do_exit_child(void)
{
	int st;
	if (!child_alive) die("exit with no child");
	send_msg(cmd_w, "exit", 4);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st)) die("child failed");
	child_alive = 0;
}

/* Run one step of the script in the scenario's parent process. */
static void run_step(char *step)
{
	char buf[256], *tok[MAXTOK];
	int to_c = !strncmp(step, "c:", 2);
	if (to_c || !strncmp(step, "p:", 2)) step += 2;
	snprintf(buf, sizeof(buf), "%s", step);
	int nt = split(buf, tok);
	if (!nt) die("empty step");
	if (!strcmp(tok[0], "file") || !strcmp(tok[0], "map") || !strcmp(tok[0], "fork") ||
	    !strcmp(tok[0], "exit") || !strcmp(tok[0], "snap")) {
		if (to_c) die("'%s' cannot run in the child", step);
		if (forked && (!strcmp(tok[0], "file") || !strcmp(tok[0], "map")))
			die("'%s' after fork is not supported", step);
	}
	if (!strcmp(tok[0], "file")) {
		if (nt != 3) die("bad step '%s'", step);
		make_file(tok[1], strtoul(tok[2], NULL, 10));
	} else if (!strcmp(tok[0], "map")) make_region(tok, nt);
	else if (!strcmp(tok[0], "fork")) do_fork();
	else if (!strcmp(tok[0], "exit")) do_exit_child();
	else if (!strcmp(tok[0], "snap")) {
		if (nt != 2) die("bad step '%s'", step);
		dump(stdout, tok[1]);
		if (child_alive) {
			char s[128];
			snprintf(s, sizeof(s), "snap %s", tok[1]);
			to_child(s);
		}
	} else if (to_c) to_child(step);
	else exec_local(step, stdout);
}

/* The scenario's parent process: run every step, then end the child. */
static void runner(const char *script)
{
	char *s = strdup(script);
	char *save;
	for (char *st = strtok_r(s, ";", &save); st; st = strtok_r(NULL, ";", &save)) {
		while (*st == ' ') st++;
		char *e = st + strlen(st);
		while (e > st && e[-1] == ' ') *--e = 0;
		if (*st) run_step(st);
	}
	if (child_alive) do_exit_child();
	fflush(stdout);
	free(s);
}

/* Run one scenario in a fresh process, so that it starts from a clean mm. */
static void run_scenario(const char *name, const char *script)
{
	int st;
	scen_name = name;
	printf("{\"type\":\"scenario\",\"name\":");
	json_str(stdout, name);
	printf(",\"script\":");
	json_str(stdout, script);
	printf("}\n");
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) die("fork");
	if (p == 0) {
		runner(script);
		_exit(0);
	}
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
		die("scenario process failed (status %#x)", st);
	printf("{\"type\":\"end\",\"scenario\":");
	json_str(stdout, name);
	printf("}\n");
	fflush(stdout);
	scen_name = NULL;
}

/* ---------- start-up facts ---------- */

static void read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (!f) { snprintf(buf, n, "n/a"); return; }
	if (fgets(buf, (int)n, f)) buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* Learn the zero page's pfn: read a never-written page of a fresh anonymous
 * private mapping, then look at its pagemap entry. Exits 2 if pagemap cannot
 * be read at all. */
static void learn_zero_pfn(int *confirmed)
{
	uint64_t e;
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) die("mmap");
	madvise(p, PG, MADV_NOHUGEPAGE);
	(void)*(volatile char *)p;
	if (read_pagemap(p, 1, &e)) {
		fprintf(stderr, "scenario: cannot read /proc/self/pagemap: %s\n", strerror(errno));
		exit(2);
	}
	if (!(e >> 63 & 1)) {
		fprintf(stderr, "scenario: a read-touched anonymous page is not present in /proc/self/pagemap\n");
		exit(2);
	}
	zero_pfn = e & ((1ULL << 55) - 1);
	pfn_visible = zero_pfn != 0;
	int64_t kf = kpageflags(zero_pfn);
	*confirmed = kf < 0 ? -1 : (int)(kf >> KPF_ZERO_PAGE & 1);
	munmap(p, PG);
}

static void meta(void)
{
	struct utsname u;
	char thp[128], shm[128];
	int confirmed, cpu = sched_getcpu();
	if (cpu >= 0) {
		cpu_set_t s;
		CPU_ZERO(&s);
		CPU_SET(cpu, &s);
		if (sched_setaffinity(0, sizeof(s), &s)) cpu = -1;
	}
	kpf_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	learn_zero_pfn(&confirmed);
	uname(&u);
	read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
	read_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled", shm, sizeof(shm));
	printf("{\"type\":\"meta\",\"kernel\":");
	json_str(stdout, u.release);
	printf(",\"euid\":%d,\"pfn_visible\":%s,\"zero_pfn\":%llu,\"zero_pfn_kpageflags\":%s,"
	       "\"kpageflags\":%s,\"pinned_cpu\":%d,\"thp_enabled\":",
	       (int)geteuid(), pfn_visible ? "true" : "false", (unsigned long long)zero_pfn,
	       confirmed < 0 ? "null" : confirmed ? "true" : "false", kpf_fd >= 0 ? "true" : "false", cpu);
	json_str(stdout, thp);
	printf(",\"shmem_enabled\":");
	json_str(stdout, shm);
	printf("}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NBUILTIN; i++) {
			printf("{\"type\":\"scenario\",\"name\":");
			json_str(stdout, builtin[i].name);
			printf(",\"script\":");
			json_str(stdout, builtin[i].script);
			printf("}\n");
		}
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--script")) {
		if (argc != 4) { fprintf(stderr, "usage: scenario --script NAME 'STEPS'\n"); return 2; }
		meta();
		run_scenario(argv[2], argv[3]);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		size_t i = 0;
		while (i < NBUILTIN && strcmp(builtin[i].name, argv[a])) i++;
		if (i == NBUILTIN) { fprintf(stderr, "scenario: no scenario named %s (try --list)\n", argv[a]); return 2; }
	}
	meta();
	for (size_t i = 0; i < NBUILTIN; i++) {
		int want = argc == 1;
		for (int a = 1; a < argc; a++) want |= !strcmp(builtin[i].name, argv[a]);
		if (want) run_scenario(builtin[i].name, builtin[i].script);
	}
	return 0;
}
