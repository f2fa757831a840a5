/*
 * snapshot.c - the current configuration snapshot of the daemon: the only
 * mutable global besides the log settings and the open journal (apply.c).
 * It is swapped under a mutex (daemon.c, on start and SIGUSR1) and every
 * message takes its own reference (callbacks.c), so a reload never changes
 * the configuration under a message in flight.
 */
#include <pthread.h>

#include "kyso_milter.h"

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kyso_config *current_config; /* guarded by config_lock */

int
kyso_daemon_set_config(struct kyso_config *cfg)
{
	struct kyso_config *old;

	(void)pthread_mutex_lock(&config_lock);
	old = current_config;
	current_config = cfg;
	(void)pthread_mutex_unlock(&config_lock);
	kyso_config_unref(old); /* freed when its last message ends */
	return 0;
}

struct kyso_config *
kyso_daemon_config(void)
{
	struct kyso_config *cfg;

	(void)pthread_mutex_lock(&config_lock);
	cfg = current_config != NULL ? kyso_config_ref(current_config) : NULL;
	(void)pthread_mutex_unlock(&config_lock);
	return cfg;
}
