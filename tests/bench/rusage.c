/*
 * rusage: runs a command and prints one JSON line with its wall time, CPU
 * time (user, sys) and peak RSS. vfork() keeps this process's own memory
 * out of the child's peak RSS (a fork() from python would count its pages).
 * usage: rusage CMD ARGS...   (the command's stdout goes to /dev/null)
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	int status, devnull;
	double t0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: rusage CMD ARGS...\n");
		return 2;
	}
	devnull = open("/dev/null", O_WRONLY);
	t0 = now_s();
	pid = vfork();
	if (pid == 0) {
		dup2(devnull, 1);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("rusage");
		return 1;
	}
	printf("{\"wall_s\": %.6f, \"user_s\": %.6f, \"sys_s\": %.6f, "
	       "\"cpu_s\": %.6f, \"maxrss_kib\": %ld, \"status\": %d}\n",
	    now_s() - t0,
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	        (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}
